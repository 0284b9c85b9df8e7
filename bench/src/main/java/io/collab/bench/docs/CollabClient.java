package io.collab.bench.docs;

import io.collab.documents.ChangeSet;
import io.collab.documents.Update;

import java.util.ArrayList;
import java.util.List;

/**
 * The document state of one {@code @codemirror/collab} peer, without I/O: the text, the authority version it is
 * synced to, and its unconfirmed local updates. {@link #receive} is {@code receiveUpdates}: leading updates of the
 * received list whose clientID matches the next unconfirmed one confirm it; the others are composed, mapped over the
 * remaining unconfirmed updates (which are mapped over them in turn) and applied to the text. {@link #sendable} is
 * {@code sendableUpdates}. Not thread-safe: one editor's event loop owns it.
 */
final class CollabClient {

  /** A local update not yet seen in the authority's log, with the ordinal of the edit that made it. */
  record Pending(Update update, int edit) {}

  /** Receives each of this client's own edits as the authority's log confirms it, with the version it yields. */
  interface Confirmed {
    void confirmed(int edit, long version);
  }

  private String clientId;
  private String text = "";
  private long version;
  private List<Pending> unconfirmed = new ArrayList<>();

  CollabClient(String clientId) {
    this.clientId = clientId;
  }

  String clientId() {
    return clientId;
  }

  String text() {
    return text;
  }

  long version() {
    return version;
  }

  /**
   * The document as {@code doc_state} gave it, as a new {@code collab()} state with client ID {@code clientId}; any
   * unconfirmed updates are dropped (a reload). A reload needs a new client ID, as CodeMirror generates one per
   * state: an update of the old one still in flight would otherwise be taken for the new state's first pending update.
   */
  void reset(long version, String text, String clientId) {
    this.clientId = clientId;
    this.version = version;
    this.text = text;
    this.unconfirmed = new ArrayList<>();
  }

  /** A local transaction: applies {@code change} to the text and queues it as an update of edit {@code edit}. */
  void local(ChangeSet change, int edit) {
    text = change.apply(text);
    unconfirmed.add(new Pending(new Update(clientId, change), edit));
  }

  /** sendableUpdates: every unconfirmed update, oldest first. */
  List<Pending> sendable() {
    return unconfirmed;
  }

  /**
   * receiveUpdates for {@code updates}, which must start at this client's version. Own updates must lead the
   * unconfirmed ones in the same order, as the authority keeps a client's updates in order.
   */
  void receive(List<Update> updates, Confirmed confirmed) {
    ChangeSet changes = null;
    int own = 0;
    for (int i = 0; i < updates.size(); i++) {
      Update update = updates.get(i);
      Pending ours = own < unconfirmed.size() ? unconfirmed.get(own) : null;
      if (ours != null && ours.update().clientId().equals(update.clientId())) {
        if (changes != null) {
          changes = changes.map(ours.update().changes(), true);
        }
        confirmed.confirmed(ours.edit(), version + i + 1);
        own++;
      } else {
        changes = changes == null ? update.changes() : changes.compose(update.changes());
      }
    }
    version += updates.size();
    List<Pending> rest = own == 0 ? unconfirmed : new ArrayList<>(unconfirmed.subList(own, unconfirmed.size()));
    if (changes != null && !rest.isEmpty()) {
      List<Pending> mapped = new ArrayList<>(rest.size());
      for (Pending p : rest) {
        ChangeSet mine = p.update().changes().map(changes, false);
        changes = changes.map(p.update().changes(), true);
        mapped.add(new Pending(new Update(clientId, mine), p.edit()));
      }
      rest = mapped;
    }
    unconfirmed = rest;
    if (changes != null) {
      text = changes.apply(text);
    }
  }
}
