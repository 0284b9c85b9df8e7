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
   * Accepts {@code pushed}, the updates one client had not seen confirmed at the version it pushed at, given
   * {@code acceptedSincePushVersion}, the log entries after that version in order. Nothing is decided when it throws.
   *
   * <p>A push at an old version is not refused: it is rebased with {@code rebaseUpdates}' semantics, one accepted
   * update at a time. Updates among {@code pushed} that are already in the log (the client sent them before and lost
   * the reply) are dropped; the rest are mapped over each other client's update in log order. One at a time, because
   * that is how the client maps the same updates: every update reaches an editor in a {@code doc_updates} message of
   * its own, and {@code receiveUpdates} maps the editor's pending updates over each message it is given. Mapping over
   * the composition of several updates instead can order insertions at one position differently
   * ({@code RebaseTest}, {@code src/test/js/cm6-vectors/rebase-divergence.mjs}), and the server's text would no
   * longer be the one the pushing editor has.
   *
   * @throws InvalidChangeException when the pushed changes do not fit the document at the pushed version
   */
  public static Accepted push(String currentText, List<Update> acceptedSincePushVersion, List<Update> pushed) {
    requireLogEndsAt(currentText, acceptedSincePushVersion);
    requireFitsPushVersion(currentText, acceptedSincePushVersion, pushed);
    List<Update> remaining = pushed;
    for (Update accepted : acceptedSincePushVersion) {
      remaining = Rebase.rebase(remaining, List.of(accepted));
    }
    String text = currentText;
    for (Update update : remaining) {
      // can still fail: a client may claim a log entry as its own (by client ID) that it did not make
      text = update.changes().apply(text);
    }
    return new Accepted(remaining, text);
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
