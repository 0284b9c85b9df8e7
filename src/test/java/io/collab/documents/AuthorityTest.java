package io.collab.documents;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server's step for one push: what it appends, what it refuses and why. */
class AuthorityTest {

  @Test
  @DisplayName("a push at the current version is appended and applied")
  void pushAtCurrentVersion() {
    Update insert = new Update("me", ChangeSet.of(3, 3, 3, "!"));
    Authority.Accepted accepted = Authority.push("abc", List.of(), List.of(insert));
    assertThat(accepted.updates()).containsExactly(insert);
    assertThat(accepted.text()).isEqualTo("abc!");
  }

  @Test
  @DisplayName("an empty push appends nothing")
  void emptyPush() {
    assertThat(Authority.push("abc", List.of(), List.of())).isEqualTo(new Authority.Accepted(List.of(), "abc"));
  }

  @Test
  @DisplayName("updates re-sent after a lost reply are not appended twice; the new ones after them are")
  void resentAfterLostReply() {
    Update first = new Update("me", ChangeSet.of(3, 3, 3, "!"));
    Update second = new Update("me", ChangeSet.of(4, 0, 0, "¡"));
    Authority.Accepted accepted = Authority.push("abc!", List.of(first), List.of(first, second));
    assertThat(accepted.updates()).containsExactly(second);
    assertThat(accepted.text()).isEqualTo("¡abc!");
  }

  @Test
  @DisplayName("a push entirely accepted before appends nothing and leaves the text")
  void entirelyResent() {
    Update first = new Update("me", ChangeSet.of(3, 3, 3, "!"));
    Update other = new Update("you", ChangeSet.of(4, 0, 1, ""));
    assertThat(Authority.push("bc!", List.of(first, other), List.of(first)))
        .isEqualTo(new Authority.Accepted(List.of(), "bc!"));
  }

  @Test
  @DisplayName("a push at an old version is mapped over the other clients' updates accepted since, not refused")
  void staleRebased() {
    Update other = new Update("you", ChangeSet.of(3, 0, 0, ">"));
    Update mine = new Update("me", ChangeSet.of(3, 3, 3, "!"));
    Authority.Accepted accepted = Authority.push(">abc", List.of(other), List.of(mine));
    assertThat(accepted.text()).isEqualTo(">abc!");
    assertThat(accepted.updates()).containsExactly(new Update("me", ChangeSet.of(4, 4, 4, "!")));
  }

  @Test
  @DisplayName("a stale push is mapped over the accepted updates one at a time, as an editor receives them")
  void staleRebasedOneAtATime() {
    // alice inserts "a", deletes it and inserts it again; bob, who saw only the first insert, types "b" at 0
    Update insert = new Update("alice", ChangeSet.of(0, 0, 0, "a"));
    Update delete = new Update("alice", ChangeSet.of(1, 0, 1, ""));
    Update reinsert = new Update("alice", ChangeSet.of(0, 0, 0, "a"));
    Update bob = new Update("bob", ChangeSet.of(1, 0, 0, "b"));
    ChangeSet oneAtATime = bob.changes().map(delete.changes(), false).map(reinsert.changes(), false);
    Authority.Accepted accepted = Authority.push("a", List.of(delete, reinsert), List.of(bob));
    assertThat(accepted.updates()).containsExactly(new Update("bob", oneAtATime));
    assertThat(accepted.text()).isEqualTo(oneAtATime.apply(reinsert.changes().apply(delete.changes().apply(
        insert.changes().apply("")))));
  }

  @Test
  @DisplayName("the first pushed change must fit the document at the pushed version")
  void firstChangeMustFitPushVersion() {
    Update other = new Update("you", ChangeSet.of(3, 0, 0, ">"));
    Update fitsCurrentNotPushVersion = new Update("me", ChangeSet.of(4, 4, 4, "!"));
    assertThatThrownBy(() -> Authority.push(">abc", List.of(other), List.of(fitsCurrentNotPushVersion)))
        .isInstanceOf(InvalidChangeException.class)
        .hasMessage("pushed update 0 applies to a document of length 4, but the document has length 3 there");
    assertThatThrownBy(() -> Authority.push("abc", List.of(), List.of(new Update("me", ChangeSet.identity(2)))))
        .isInstanceOf(InvalidChangeException.class);
  }

  @Test
  @DisplayName("each pushed change must start where the previous one ends")
  void pushedChangesMustChain() {
    Update first = new Update("me", ChangeSet.of(3, 3, 3, "!"));
    Update notAfterFirst = new Update("me", ChangeSet.of(3, 0, 0, "?"));
    assertThatThrownBy(() -> Authority.push("abc", List.of(), List.of(first, notAfterFirst)))
        .isInstanceOf(InvalidChangeException.class)
        .hasMessageStartingWith("pushed update 1 applies to a document of length 3");
  }

  @Test
  @DisplayName("a client claiming another update of its own as the one it re-sends is refused")
  void wrongClaimOfOwnUpdate() {
    Update accepted = new Update("me", ChangeSet.of(3, 3, 3, "!!"));
    Update claimedFirst = new Update("me", ChangeSet.of(3, 3, 3, "!"));
    Update second = new Update("me", ChangeSet.of(4, 0, 0, "?"));
    assertThatThrownBy(() -> Authority.push("abc!!", List.of(accepted), List.of(claimedFirst, second)))
        .isInstanceOf(InvalidChangeException.class);
  }

  @Test
  @DisplayName("a log that does not lead to the current text is the server's fault, not the client's")
  void inconsistentLog() {
    Update accepted = new Update("you", ChangeSet.of(3, 3, 3, "!"));
    assertThatThrownBy(() -> Authority.push("abc", List.of(accepted), List.of()))
        .isInstanceOf(IllegalStateException.class);
  }
}
