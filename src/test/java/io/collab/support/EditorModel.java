package io.collab.support;

import io.collab.documents.ChangeSet;
import io.collab.documents.Update;

import java.util.ArrayList;
import java.util.List;

/**
 * An editor as {@code @codemirror/collab} runs it, without the editor: the local text, the version synced with the
 * server, and the local updates the server has not confirmed yet. {@link #receive} is {@code receiveUpdates} step for
 * step, so tests and benchmarks can stand in for browsers and still behave exactly as they would.
 */
public final class EditorModel {

  private final String clientId;
  private String text;
  private long version;
  private List<Update> unconfirmed = List.of();
  private int created;

  public EditorModel(String clientId, String text, long version) {
    this.clientId = clientId;
    this.text = text;
    this.version = version;
  }

  public String clientId() {
    return clientId;
  }

  public String text() {
    return text;
  }

  /** The number of server updates this editor has received: the version it pushes at. */
  public long version() {
    return version;
  }

  /** How many updates this editor has made, confirmed or not. */
  public int created() {
    return created;
  }

  /**
   * Applies a local change and queues it for the server, like a transaction in the editor. As in the collab plugin, a
   * change that {@linkplain ChangeSet#empty() is empty} is not queued: there is nothing to send.
   */
  public void edit(ChangeSet changes) {
    text = changes.apply(text);
    if (!changes.empty()) {
      List<Update> queued = new ArrayList<>(unconfirmed);
      queued.add(new Update(clientId, changes));
      unconfirmed = List.copyOf(queued);
      created++;
    }
  }

  /** {@code sendableUpdates}: everything not yet confirmed, to push at {@link #version()}. */
  public List<Update> sendable() {
    return unconfirmed;
  }

  /**
   * {@code receiveUpdates} for server updates that start at log index {@code from}. Updates this editor already has
   * (a redelivery after a reconnect) are skipped; a gap means updates were lost on the way, which the collab plugin
   * cannot recover from, so it throws.
   */
  public void receive(long from, List<Update> updates) {
    if (from > version) {
      throw new IllegalStateException(clientId + " is at version " + version + " but received updates from " + from);
    }
    int known = (int) Math.min(updates.size(), version - from);
    receiveNew(updates.subList(known, updates.size()));
  }

  private void receiveNew(List<Update> updates) {
    version += updates.size();
    ChangeSet others = null;
    int own = 0;
    for (Update update : updates) {
      if (own < unconfirmed.size() && unconfirmed.get(own).clientId().equals(update.clientId())) {
        // our own update came back: the others so far come after it in the log, but were composed without it
        if (others != null) {
          others = others.map(unconfirmed.get(own).changes(), true);
        }
        own++;
      } else {
        others = others == null ? update.changes() : others.compose(update.changes());
      }
    }
    List<Update> stillUnconfirmed = unconfirmed.subList(own, unconfirmed.size());
    if (others != null) {
      // the local text has the unconfirmed updates: move the others over them, and them over the others
      List<Update> mapped = new ArrayList<>(stillUnconfirmed.size());
      for (Update update : stillUnconfirmed) {
        mapped.add(new Update(clientId, update.changes().map(others, false)));
        others = others.map(update.changes(), true);
      }
      stillUnconfirmed = mapped;
      text = others.apply(text);
    }
    unconfirmed = List.copyOf(stillUnconfirmed);
  }
}
