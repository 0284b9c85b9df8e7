package io.collab.documents;

import java.util.List;

/**
 * The server's step for one push, without I/O: the persistence layer runs it inside the transaction that holds the
 * document row locked, then appends {@link Accepted#updates()} to the log and stores {@link Accepted#text()}.
 */
public final class Authority {

  private Authority() {
  }

  /** What a push adds: the updates to append to the log (possibly none) and the document text after them. */
  public record Accepted(List<Update> updates, String text) {

    public Accepted {
      updates = List.copyOf(updates);
    }
  }

  /**
   * Accepts {@code pushed}, made by one client at an older version, over {@code acceptedSincePushVersion}, the log
   * entries after that version in order. Throws {@link InvalidChangeException} before anything is decided when the
   * pushed changes do not fit.
   */
  public static Accepted push(String currentText, List<Update> acceptedSincePushVersion, List<Update> pushed) {
    requireLogEndsAt(currentText, acceptedSincePushVersion);
    requireFitsPushVersion(currentText, acceptedSincePushVersion, pushed);
    List<Update> rebased = Rebase.rebase(pushed, acceptedSincePushVersion);
    String text = currentText;
    for (Update update : rebased) {
      // can still fail: a client may claim a log entry as its own (by client ID) that it did not make
      text = update.changes().apply(text);
    }
    return new Accepted(rebased, text);
  }

  /**
   * The pushed changes were made one after the other on the document as it was at the pushed version, whose length is
   * the input length of the first update accepted since (or the current length when there is none). Checking the
   * whole chain here means rebasing never meets lengths that do not fit, and a client that lost track of the document
   * gets a clear refusal instead of a corrupted text.
   */
  private static void requireFitsPushVersion(String currentText, List<Update> over, List<Update> pushed) {
    int expected = over.isEmpty() ? currentText.length() : over.get(0).changes().length();
    for (int i = 0; i < pushed.size(); i++) {
      ChangeSet changes = pushed.get(i).changes();
      if (changes.length() != expected) {
        throw new InvalidChangeException("pushed update " + i + " applies to a document of length "
            + changes.length() + ", but the document has length " + expected + " there");
      }
      expected = changes.newLength();
    }
  }

  /**
   * The log the caller read must lead to the text it read: if not, the server's own state is inconsistent, which is no
   * fault of the client, so this is an {@link IllegalStateException}, not an {@link InvalidChangeException}.
   */
  private static void requireLogEndsAt(String currentText, List<Update> over) {
    for (int i = 1; i < over.size(); i++) {
      if (over.get(i).changes().length() != over.get(i - 1).changes().newLength()) {
        throw new IllegalStateException("log entries " + (i - 1) + " and " + i + " do not follow each other");
      }
    }
    if (!over.isEmpty() && over.get(over.size() - 1).changes().newLength() != currentText.length()) {
      throw new IllegalStateException("the log does not end at the current text's length " + currentText.length());
    }
  }
}
