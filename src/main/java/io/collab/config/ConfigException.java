package io.collab.config;

/** A setting is missing or malformed: reported as one line, never as a stack trace. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
