package io.collab.documents;

import java.util.ArrayList;
import java.util.List;

/**
 * Moves updates a client pushed at an old version over the updates accepted since, and drops those among them that
 * were already accepted: {@code @codemirror/collab}'s {@code rebaseUpdates}, with the same results.
 */
public final class Rebase {

  private Rebase() {
  }

  /**
   * {@code pushed} rebased over {@code over} (the updates accepted since the version the client pushed at, in log
   * order). An accepted update with the client ID of the next pushed update not yet matched is taken to be that
   * update, accepted before its acknowledgement was lost, so the pushed copy is dropped; the other accepted updates
   * are composed, and each remaining pushed update is mapped over them (while they are mapped over it in turn, so
   * that the next one can follow).
   */
  public static List<Update> rebase(List<Update> pushed, List<Update> over) {
    if (over.isEmpty() || pushed.isEmpty()) {
      return List.copyOf(pushed);
    }
    ChangeSet others = null;
    int alreadyAccepted = 0;
    for (Update accepted : over) {
      Update next = alreadyAccepted < pushed.size() ? pushed.get(alreadyAccepted) : null;
      if (next != null && next.clientId().equals(accepted.clientId())) {
        // the client made its change after the others composed so far, on a document that did not have them
        if (others != null) {
          others = others.map(next.changes(), true);
        }
        alreadyAccepted++;
      } else {
        others = others == null ? accepted.changes() : others.compose(accepted.changes());
      }
    }
    List<Update> remaining = pushed.subList(alreadyAccepted, pushed.size());
    return others == null ? List.copyOf(remaining) : mapOver(remaining, others);
  }

  private static List<Update> mapOver(List<Update> updates, ChangeSet others) {
    List<Update> rebased = new ArrayList<>(updates.size());
    for (Update update : updates) {
      rebased.add(new Update(update.clientId(), update.changes().map(others, false)));
      others = others.map(update.changes(), true);
    }
    return List.copyOf(rebased);
  }
}
