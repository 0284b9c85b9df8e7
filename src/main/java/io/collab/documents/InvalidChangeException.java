package io.collab.documents;

/**
 * A change, an update or a push that cannot be accepted: malformed JSON, or lengths that do not fit the document.
 * Extends {@link IllegalArgumentException} because it always means the caller's input is wrong, never the server's
 * state; the message says what is wrong, for the client.
 */
public final class InvalidChangeException extends IllegalArgumentException {

  public InvalidChangeException(String message) {
    super(message);
  }
}
