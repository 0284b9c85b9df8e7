package io.collab.documents;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code rebaseUpdates} in Java: de-duplication of re-sent updates and mapping over the others' updates. */
class RebaseTest {

  @Test
  @DisplayName("with nothing accepted since, the pushed updates are returned as they are")
  void nothingSince() {
    List<Update> pushed = List.of(new Update("me", ChangeSet.of(0, 0, 0, "a")));
    assertThat(Rebase.rebase(pushed, List.of())).isEqualTo(pushed);
  }

  @Test
  @DisplayName("updates re-sent after a lost reply are dropped, the ones after them kept")
  void resentUpdatesAreDropped() {
    Update first = new Update("me", ChangeSet.of(0, 0, 0, "a"));
    Update second = new Update("me", ChangeSet.of(1, 1, 1, "b"));
    assertThat(Rebase.rebase(List.of(first, second), List.of(first))).containsExactly(second);
    assertThat(Rebase.rebase(List.of(first, second), List.of(first, second))).isEmpty();
  }

  @Test
  @DisplayName("an accepted update is taken for the pushed one by client ID alone, as CodeMirror does")
  void matchedByClientId() {
    Update pushed = new Update("me", ChangeSet.of(0, 0, 0, "a"));
    Update acceptedOther = new Update("me", ChangeSet.of(0, 0, 0, "z"));
    assertThat(Rebase.rebase(List.of(pushed), List.of(acceptedOther))).isEmpty();
  }

  @Test
  @DisplayName("pushed updates are mapped over the others' updates, one after the other")
  void mappedOverOthers() {
    Update other = new Update("you", ChangeSet.of(3, 0, 0, ">>"));
    Update first = new Update("me", ChangeSet.of(3, 3, 3, "!"));
    Update second = new Update("me", ChangeSet.of(4, 1, 2, ""));
    List<Update> rebased = Rebase.rebase(List.of(first, second), List.of(other));
    assertThat(rebased).extracting(Update::changes)
        .containsExactly(ChangeSet.of(5, 5, 5, "!"), ChangeSet.of(6, 3, 4, ""));
    String text = ">>abc";
    for (Update update : rebased) {
      text = update.changes().apply(text);
    }
    assertThat(text).isEqualTo(">>ac!");
  }

  @Test
  @DisplayName("others accepted after a re-sent update are mapped over it before the next pushed update")
  void othersAfterResentUpdate() {
    Update first = new Update("me", ChangeSet.of(1, 0, 0, "x"));
    Update other = new Update("you", ChangeSet.of(2, 2, 2, "y"));
    Update second = new Update("me", ChangeSet.of(2, 0, 1, ""));
    assertThat(Rebase.rebase(List.of(first, second), List.of(first, other)))
        .containsExactly(new Update("me", ChangeSet.of(3, 0, 1, "")));
  }

  /**
   * Why {@link Authority#push} maps one accepted update at a time: CodeMirror's mapping over the composition of a delete and an insert
   * at one position puts a concurrent insert there first, while mapping over them one at a time puts it second. The
   * pushing client maps over the batches its socket delivers (one update each), so the server must too. CodeMirror 6.7.6 gives the same two results.
   */
  @Test
  @DisplayName("mapping over a composition can order an insert unlike mapping over its parts one at a time")
  void compositionIsNotMappingOneAtATime() {
    ChangeSet delete = ChangeSet.of(1, 0, 1, "");
    ChangeSet insert = ChangeSet.of(0, 0, 0, "a");
    ChangeSet concurrent = ChangeSet.of(1, 0, 0, "b");

    String overComposition = concurrent.map(delete.compose(insert), false).apply("a");
    String oneAtATime = concurrent.map(delete, false).map(insert, false).apply("a");

    assertThat(overComposition).isEqualTo("ba");
    assertThat(oneAtATime).isEqualTo("ab");
  }
}
