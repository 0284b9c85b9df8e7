package io.collab.support;

import io.collab.documents.Authority;
import io.collab.documents.InvalidChangeException;
import io.collab.documents.Update;

import java.util.ArrayList;
import java.util.List;

/**
 * The server side of collaborative editing without a database: a log of accepted updates and the current text,
 * advanced by {@link Authority#push} as the persistence layer does it, one push at a time.
 */
public final class InMemoryAuthority {

  private final List<Update> log = new ArrayList<>();
  private String text;

  public InMemoryAuthority(String text) {
    this.text = text;
  }

  /** Accepts updates a client made at {@code version} and returns what was appended to the log. */
  public synchronized List<Update> push(long version, List<Update> pushed) {
    if (version < 0 || version > log.size()) {
      throw new InvalidChangeException("version " + version + " is not between 0 and " + log.size());
    }
    Authority.Accepted accepted = Authority.push(text, List.copyOf(log.subList((int) version, log.size())), pushed);
    log.addAll(accepted.updates());
    text = accepted.text();
    return accepted.updates();
  }

  /** The log from {@code version} on. */
  public synchronized List<Update> updatesFrom(long version) {
    return List.copyOf(log.subList((int) version, log.size()));
  }

  public synchronized List<Update> log() {
    return List.copyOf(log);
  }

  public synchronized String text() {
    return text;
  }
}
