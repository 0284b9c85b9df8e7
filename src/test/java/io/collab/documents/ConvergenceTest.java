package io.collab.documents;

import io.collab.support.EditorModel;
import io.collab.support.InMemoryAuthority;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several editors and one authority, over an unreliable network, end up with the same text and a log holding every
 * edit exactly once. Pushes are delayed, reordered, lost and duplicated, and always carry what the editor had not
 * seen confirmed yet, so stale versions (rebased by the server) and re-sends of already accepted updates are
 * common; the server's updates reach each editor in order, one {@code doc_updates} message per update as the socket
 * delivers them, but late and several at once.
 */
class ConvergenceTest {

  private static final List<String> PIECES = List.of("a", "b", "x", " ", "\n", "é", "中", "😀", "𝄞");

  enum Action { EDIT, EDIT_TWO_PLACES, SEND, DELIVER_PUSH, LOSE_PUSH, DUPLICATE_PUSH, RECEIVE }

  /** One thing happening; the numbers pick who, where and which, modulo what exists at that moment. */
  record Step(Action action, int who, int at, int span, String text) {
  }

  /** A push on its way to the server: what the editor had unconfirmed, at the version it was at. */
  record Push(long version, List<Update> updates) {
  }

  @Property(tries = 500)
  @Label("editors converge on the server's text and the log holds every edit exactly once")
  void editorsConverge(@ForAll @IntRange(min = 2, max = 6) int editorCount,
                       @ForAll("texts") String initialText,
                       @ForAll @Size(min = 10, max = 150) List<@From("steps") Step> steps) {
    Network network = new Network(initialText, editorCount);
    steps.forEach(network::perform);
    network.settle();

    InMemoryAuthority server = network.server;
    String replayed = initialText;
    for (Update update : server.log()) {
      replayed = update.changes().apply(replayed);
    }
    assertThat(server.text()).isEqualTo(replayed);
    Map<String, Long> logged = server.log().stream()
        .collect(Collectors.groupingBy(Update::clientId, Collectors.counting()));
    for (EditorModel editor : network.editors) {
      assertThat(editor.text()).as(editor.clientId() + "'s text").isEqualTo(server.text());
      assertThat(logged.getOrDefault(editor.clientId(), 0L)).as(editor.clientId() + "'s updates in the log")
          .isEqualTo(editor.created());
    }
  }

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.of(PIECES).list().ofMaxSize(12).map(pieces -> String.join("", pieces));
  }

  @Provide
  Arbitrary<Step> steps() {
    Arbitrary<Action> actions = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.just(Action.EDIT)),
        Tuple.of(1, Arbitraries.just(Action.EDIT_TWO_PLACES)),
        Tuple.of(3, Arbitraries.just(Action.SEND)),
        Tuple.of(3, Arbitraries.just(Action.DELIVER_PUSH)),
        Tuple.of(1, Arbitraries.just(Action.LOSE_PUSH)),
        Tuple.of(1, Arbitraries.just(Action.DUPLICATE_PUSH)),
        Tuple.of(3, Arbitraries.just(Action.RECEIVE)));
    Arbitrary<Integer> numbers = Arbitraries.integers().between(0, 1000);
    return Combinators.combine(actions, numbers, numbers, Arbitraries.integers().between(0, 4), texts())
        .as(Step::new);
  }

  /** The editors, the server and what travels between them. */
  private static final class Network {

    final InMemoryAuthority server;
    final List<EditorModel> editors = new ArrayList<>();
    final List<Push> toServer = new ArrayList<>();

    Network(String initialText, int editorCount) {
      server = new InMemoryAuthority(initialText);
      for (int i = 0; i < editorCount; i++) {
        editors.add(new EditorModel("editor-" + i, initialText, 0));
      }
    }

    void perform(Step step) {
      EditorModel editor = editors.get(step.who() % editors.size());
      switch (step.action()) {
        case EDIT -> editor.edit(replacement(editor.text().length(), step.at(), step.span(), step.text()));
        case EDIT_TWO_PLACES -> editTwoPlaces(editor, step);
        case SEND -> send(editor);
        case DELIVER_PUSH -> {
          if (!toServer.isEmpty()) {
            deliver(toServer.remove(step.at() % toServer.size()));
          }
        }
        case LOSE_PUSH -> {
          if (!toServer.isEmpty()) {
            toServer.remove(step.at() % toServer.size());
          }
        }
        case DUPLICATE_PUSH -> {
          if (!toServer.isEmpty()) {
            toServer.add(toServer.get(step.at() % toServer.size()));
          }
        }
        case RECEIVE -> receive(editor, step.span());
      }
    }

    /** Until nothing is left to do: every push delivered, every editor caught up and nothing left unsent. */
    void settle() {
      while (true) {
        while (!toServer.isEmpty()) {
          deliver(toServer.remove(0));
        }
        editors.forEach(editor -> receive(editor, Integer.MAX_VALUE));
        if (editors.stream().allMatch(editor -> editor.sendable().isEmpty())) {
          return;
        }
        editors.forEach(this::send);
      }
    }

    private void deliver(Push push) {
      server.push(push.version(), push.updates());
    }

    /** One update that changes two places, as a multi-cursor edit does: several sections to map and compose. */
    private void editTwoPlaces(EditorModel editor, Step step) {
      ChangeSet first = replacement(editor.text().length(), step.at(), step.span(), step.text());
      ChangeSet second = replacement(first.newLength(), step.at() * 7 + 3, step.span(), "-");
      editor.edit(first.compose(second));
    }

    private static ChangeSet replacement(int length, int at, int span, String text) {
      int from = at % (length + 1);
      return ChangeSet.of(length, from, Math.min(length, from + span), text);
    }

    private void send(EditorModel editor) {
      if (!editor.sendable().isEmpty()) {
        toServer.add(new Push(editor.version(), editor.sendable()));
      }
    }

    /**
     * The next {@code count} log entries the editor has not received yet, in order, each as a message of its own
     * (the socket's delivery).
     */
    private void receive(EditorModel editor, int count) {
      List<Update> pending = server.updatesFrom(editor.version());
      for (Update update : pending.subList(0, Math.min(count, pending.size()))) {
        editor.receive(editor.version(), List.of(update));
      }
    }
  }
}
