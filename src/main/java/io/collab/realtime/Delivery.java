package io.collab.realtime;

import io.collab.config.CollabConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A workspace's sequenced messages (broadcasts and job progress) as one connection receives them: in seq order,
 * without gaps or duplicates, and within one epoch of the sequence. While it catches up from history (on join with
 * {@code since}, or after a gap) live messages wait in a buffer. A message of another epoch means Redis lost the
 * sequence: the connection is told with {@code recovery_failed} and goes on with the new epoch from its start, gaps
 * filled from history, so it is never silent. A raw socket and a SockJS registration each deliver through one, so
 * both transports behave the same.
 */
final class Delivery {

  /** Nothing delivered yet on a connection that joined without {@code since}: its first message sets its position. */
  private static final long UNPOSITIONED = -1;

  private record Pending(String epoch, long seq, String message) {}

  private final Broker broker;
  private final long workspaceId;
  private final CollabConfig.Realtime settings;
  private final Consumer<String> out;
  private final Runnable historyUnavailable;
  private final BooleanSupplier ended;

  private String epoch;
  private long lastSeq = UNPOSITIONED;
  private boolean catchingUp = true;
  private final List<Pending> buffer = new ArrayList<>();

  /**
   * @param out                writes a message to the connection
   * @param historyUnavailable ends the connection when the history cannot be read (Redis failed): it reconnects
   * @param ended              whether the connection is gone (a history read that completes later is dropped)
   */
  Delivery(Broker broker, long workspaceId, CollabConfig.Realtime settings, Consumer<String> out,
           Runnable historyUnavailable, BooleanSupplier ended) {
    this.broker = broker;
    this.workspaceId = workspaceId;
    this.settings = settings;
    this.out = out;
    this.historyUnavailable = historyUnavailable;
    this.ended = ended;
  }

  /**
   * Goes live once {@code presence_state} (which told the client {@code currentEpoch}) was sent; until then messages
   * wait. With {@code since}, first replays what came after it, or sends {@code recovery_failed} if that cannot be
   * done: the history does not reach back, or {@code sinceEpoch} is not the current epoch. A {@code since} without
   * an epoch (clients older than epochs) is taken to be of the current epoch.
   */
  void start(String currentEpoch, Long since, String sinceEpoch) {
    epoch = currentEpoch;
    if (since == null) {
      flushBuffer();
    } else {
      catchUp(since, sinceEpoch);
    }
  }

  /** A sequenced message from the hub, in the order the workspace's messages were sequenced. */
  void deliver(String messageEpoch, long seq, String message) {
    if (catchingUp) {
      buffer.add(new Pending(messageEpoch, seq, message));
      return;
    }
    if (!Objects.equals(messageEpoch, epoch)) {
      // Redis lost the sequence: what this connection missed of the old epoch is gone, the new one starts at 1.
      out.accept(Protocol.recoveryFailed(Math.max(lastSeq, 0), new Broker.Position(messageEpoch, 0)));
      epoch = messageEpoch;
      lastSeq = 0;
    }
    if (seq <= lastSeq) {
      return;
    }
    if (lastSeq != UNPOSITIONED && seq > lastSeq + 1) {
      // a message never reached this node (e.g. the subscription was re-established): refill from history
      buffer.add(new Pending(messageEpoch, seq, message));
      catchUp(lastSeq, epoch);
      return;
    }
    lastSeq = seq;
    out.accept(message);
  }

  /** Replays what came after {@code since} in {@code sinceEpoch} (or says it cannot), then what arrived meanwhile. */
  private void catchUp(long since, String sinceEpoch) {
    catchingUp = true;
    broker.after(workspaceId, since).onComplete(result -> {
      if (ended.getAsBoolean()) {
        return;
      }
      if (result.failed()) {
        historyUnavailable.run();
        return;
      }
      Broker.History history = result.result();
      if (replayable(since, sinceEpoch, history)) {
        lastSeq = since;
        for (Broker.Entry entry : history.entries()) {
          lastSeq = entry.seq();
          out.accept(entry.message());
        }
      } else {
        out.accept(Protocol.recoveryFailed(since, new Broker.Position(history.epoch(), history.currentSeq())));
        lastSeq = history.currentSeq();
      }
      epoch = history.epoch();
      flushBuffer();
    });
  }

  /** The history holds everything after {@code since}, in the same epoch, within the configured window. */
  private boolean replayable(long since, String sinceEpoch, Broker.History history) {
    List<Broker.Entry> entries = history.entries();
    long current = history.currentSeq();
    long oldestAllowed = System.currentTimeMillis() - settings.historyMaxAgeSeconds() * 1000L;
    // The stream is trimmed approximately (whole blocks): the window is enforced here, exactly.
    return (sinceEpoch == null || sinceEpoch.equals(history.epoch()))
        && since <= current && since >= current - settings.historyLength()
        && (entries.isEmpty() ? current == since : entries.get(0).seq() == since + 1)
        && entries.stream().allMatch(e -> e.recordedAtMillis() >= oldestAllowed);
  }

  /**
   * Delivers what waited, in arrival order (the order of sequencing: one subscription per node feeds every hub).
   * A gap among them starts another catch-up, behind which the rest waits again.
   */
  private void flushBuffer() {
    catchingUp = false;
    List<Pending> pending = new ArrayList<>(buffer);
    buffer.clear();
    for (Pending p : pending) {
      deliver(p.epoch(), p.seq(), p.message());
    }
  }
}
