package io.collab.common;

import org.slf4j.Logger;

/**
 * A warning about something that fails per request while a dependency is away (Redis refusing publishes, the rate
 * limiter failing open): logged at most once per interval with how often it happened since, so an outage under load
 * is a line every ten seconds rather than one per request. Confined to its owner's event loop.
 */
public final class ThrottledWarning {

  private static final long INTERVAL_MS = 10_000;

  private final Logger log;
  private final String message;
  private long lastLogged;
  private long since;

  /** @param message the warning, with two placeholders: the count since the last warning, then the cause */
  public ThrottledWarning(Logger log, String message) {
    this.log = log;
    this.message = message;
  }

  public void happened(Throwable cause) {
    since++;
    long now = System.currentTimeMillis();
    if (now - lastLogged >= INTERVAL_MS) {
      log.warn(message, since, cause.toString());
      lastLogged = now;
      since = 0;
    }
  }
}
