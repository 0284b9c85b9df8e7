package io.collab.app;

import io.collab.config.ConfigException;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Picks the log format ({@code json} for {@code start}, {@code text} for {@code dev}) once the settings are known.
 * Reading the settings may already have started logging, so the logback context is configured again.
 */
final class Logging {

  private Logging() {}

  static void use(String format) {
    System.setProperty("collab.log.format", format);
    System.setProperty("hazelcast.logging.type", "slf4j");
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext context) {
      context.reset();
      try {
        new ContextInitializer(context).autoConfig();
      } catch (JoranException e) {
        throw new ConfigException("logging configuration is invalid: " + e.getMessage());
      }
    }
  }
}
