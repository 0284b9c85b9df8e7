package io.collab.jobs;

import org.slf4j.Logger;

/**
 * Logs a periodic task that fails while Redis or PostgreSQL is away once when it starts failing and once when it
 * works again, rather than at every try: an outage of a minute is two lines, not a storm. Confined to the event loop
 * of its owner.
 */
final class Outage {

  private final Logger log;
  private final String what;
  private boolean failing;

  /** @param what the task, as the log says it ("reading the job stream") */
  Outage(Logger log, String what) {
    this.log = log;
    this.what = what;
  }

  void failed(Throwable err) {
    if (!failing) {
      failing = true;
      log.warn("{} failed; retrying quietly until it works: {}", what, err.getMessage());
    }
  }

  void works() {
    if (failing) {
      failing = false;
      log.info("{} works again", what);
    }
  }
}
