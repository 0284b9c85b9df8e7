package io.collab.bench.docs;

import io.collab.documents.Authority;
import io.collab.documents.ChangeSet;
import io.collab.documents.Update;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * The editor model without a server ({@code --self-check}): editors with {@link CollabClient}, {@link RandomEdits} and
 * the same push discipline as {@link Editor} (one push in flight; over when acked and confirmed; resend on a lost
 * ack) exchange messages with the service's own {@link Authority} through channels with random delays (in order per
 * editor, as over one socket; the ack travels apart from the updates, so either may come first) and lose some acks.
 * At the end every editor's text must equal the authority's and the log must hold each edit exactly once.
 *
 * <p>System properties narrow a failure down: {@code -Deditors=N -Dedits=N} (per run; default 2-10 editors, 40
 * edits each), {@code -Druns=N} (200), {@code -Donly=SEED} (that run's seed), {@code -Dnolost=true} (no lost acks),
 * {@code -Dtrace=true} (every typed edit, push, rebase and receipt), {@code -Drecord=FILE} (an event log that
 * {@code bench/js/replay-cm6.mjs} replays with the real CodeMirror packages). The authority is the service's own
 * {@link Authority#push}: with the jar of issue 12's first contract it rebased stale pushes like
 * {@code rebaseUpdates} (over the composition of the updates accepted since), which diverges; since ot-core 7ed9210
 * it refused a push that other clients overtook (the editor pushes again, as it would now after any refused push);
 * since b745394 it maps a stale push over the accepted updates one at a time, and editors converge when every update
 * reaches them in a message of its own, as the socket layer sends them. {@code -Dreceive=batch} delivers the updates
 * of one push together instead, which diverges. See docs/benchmarks.md, "Collaborative editing".
 */
final class SelfCheck {

  private record Event(long at, long seq, Runnable action) {}

  private final SplittableRandom random;
  private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) ->
      a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private long seq;
  private long now;

  // the authority
  private String text;
  private final List<Update> log = new ArrayList<>();

  private final List<Peer> peers = new ArrayList<>();
  private long refusals;

  private final class Peer {
    final int index;
    final CollabClient client;
    final RandomEdits edits;
    long channelFree;   // in-order delivery of doc_updates to this peer
    boolean pushing;
    long ackVersion = -1;
    long refusedAt = -1;
    int pushId;
    int editCount;

    Peer(int index, String text) {
      this.index = index;
      this.client = new CollabClient(Editor.clientId(index));
      this.client.reset(0, text, Editor.clientId(index));
      this.edits = new RandomEdits(new SplittableRandom(random.nextLong()), text.length());
    }

    void type() {
      ChangeSet c = edits.next(client.text());
      trace("t=" + now + " peer " + index + " types " + c + " at v" + client.version() + " -> " + client.text().length());
      record("{\"type\":\"type\",\"peer\":" + index + ",\"changes\":" + c.toJson().encode() + "}");
      client.local(c, editCount++);
      maybePush();
    }

    void maybePush() {
      if (pushing || client.sendable().isEmpty() || refusedAt >= 0 && client.version() <= refusedAt) {
        return;
      }
      refusedAt = -1;
      pushing = true;
      ackVersion = -1;
      int id = ++pushId;
      long version = client.version();
      List<Update> updates = client.sendable().stream().map(CollabClient.Pending::update).toList();
      record("{\"type\":\"push\",\"peer\":" + index + ",\"id\":" + id + ",\"version\":" + version + "}");
      at(delay(), () -> serverPush(this, id, version, updates));
      at(200, () -> {     // ack timeout
        if (pushing && pushId == id && ackVersion < 0) {
          pushing = false;
          maybePush();
        }
      });
    }

    /** As Editor: push again once past the refused version, or after 100 time units. */
    void refused(int id, long version) {
      if (pushId != id || !pushing) {
        return;
      }
      pushing = false;
      refusedAt = version;
      int retryOf = pushId;
      at(100, () -> {
        if (pushId == retryOf && !pushing) {
          refusedAt = -1;
          maybePush();
        }
      });
      maybePush();
    }

    void ack(int id, long version) {
      if (pushId != id || !pushing) {
        return;
      }
      ackVersion = version;
      if (client.version() >= ackVersion) {
        pushing = false;
        maybePush();
      }
    }

    void receive(long from, List<Update> updates) {
      if (from != client.version()) {
        throw new IllegalStateException("peer " + index + " at " + client.version() + " got updates from " + from);
      }
      trace("t=" + now + " peer " + index + " receives from v" + from + " " + updates.stream().map(u -> u.clientId() + u.changes()).toList() + " unconfirmed " + client.sendable().stream().map(x -> x.update().changes().toString()).toList());
      record("{\"type\":\"receive\",\"peer\":" + index + ",\"from\":" + from + ",\"count\":" + updates.size()
          + "}");
      client.receive(updates, (edit, v) -> { });
      trace("   peer " + index + " now " + client.text().length() + " unconfirmed " + client.sendable().stream().map(x -> x.update().changes().toString()).toList());
      if (pushing && ackVersion >= 0 && client.version() >= ackVersion) {
        pushing = false;
        maybePush();
      } else if (!pushing && refusedAt >= 0) {
        maybePush();
      }
    }
  }

  private static final boolean TRACE = Boolean.getBoolean("trace");

  /**
   * -Dreceive=batch: the accepted updates of one push reach each editor as one message and one receiveUpdates call;
   * by default each update is a message of its own, as the socket layer sends them.
   */
  private static final boolean BATCH = "batch".equals(System.getProperty("receive"));
  private static final String RECORD = System.getProperty("record");
  private static final StringBuilder RECORDED = new StringBuilder();

  private static void record(String line) {
    if (RECORD != null) {
      RECORDED.append(line).append('\n');
    }
  }

  private static void trace(String line) {
    if (TRACE) {
      System.out.println(line);
    }
  }

  private SelfCheck(long seed) {
    this.random = new SplittableRandom(seed);
  }

  private void at(long delay, Runnable action) {
    queue.add(new Event(now + delay, seq++, action));
  }

  private long delay() {
    return random.nextInt(10) == 0 ? 5 + random.nextInt(40) : random.nextInt(5);
  }

  private void serverPush(Peer peer, int id, long version, List<Update> pushed) {
    long from = log.size();
    Authority.Accepted accepted;
    try {
      accepted = Authority.push(text, log.subList((int) version, log.size()), pushed);
    } catch (RuntimeException e) {
      if (!e.getClass().getSimpleName().equals("StalePushException")) {
        throw e;
      }
      trace("t=" + now + " server: push of peer " + peer.index + " at v" + version + " (log " + log.size()
          + ") refused: " + e.getMessage());
      refusals++;
      at(delay(), () -> peer.refused(id, version));
      return;
    }
    trace("t=" + now + " server: push of peer " + peer.index + " at v" + version + " (log " + log.size() + ") " + pushed.stream().map(u -> u.changes().toString()).toList() + " -> accepted " + accepted.updates().stream().map(u -> u.changes().toString()).toList());
    log.addAll(accepted.updates());
    text = accepted.text();
    long newVersion = log.size();
    record("{\"type\":\"server\",\"peer\":" + peer.index + ",\"id\":" + id + "}");
    if (random.nextInt(50) != 0 || Boolean.getBoolean("nolost")) {    // one ack in 50 is lost, unless -Dnolost
      at(delay(), () -> peer.ack(id, newVersion));
    }
    List<Update> acceptedUpdates = accepted.updates();
    for (Peer p : peers) {
      if (BATCH && !acceptedUpdates.isEmpty()) {
        p.channelFree = Math.max(p.channelFree, now + delay());
        at(p.channelFree - now, () -> p.receive(from, acceptedUpdates));
        continue;
      }
      for (int i = 0; i < acceptedUpdates.size(); i++) {
        long updateFrom = from + i;
        List<Update> one = List.of(acceptedUpdates.get(i));
        p.channelFree = Math.max(p.channelFree, now + delay());
        at(p.channelFree - now, () -> p.receive(updateFrom, one));
      }
    }
  }

  private boolean run(int editors, int editsEach) {
    text = RandomEdits.initialText(200, random.nextLong());
    record("{\"type\":\"init\",\"editors\":" + editors + ",\"text\":" + io.vertx.core.json.Json.encode(text) + "}");
    for (int i = 0; i < editors; i++) {
      peers.add(new Peer(i, text));
    }
    for (Peer p : peers) {
      long t = 0;
      for (int k = 0; k < editsEach; k++) {
        t += 1 + random.nextInt(20);
        queue.add(new Event(t, seq++, p::type));
      }
    }
    while (!queue.isEmpty()) {
      Event e = queue.poll();
      now = e.at;
      e.action.run();
    }
    boolean ok = log.size() == (long) editors * editsEach;
    if (!ok) {
      System.out.println("self-check: the log holds " + log.size() + " updates, " + (long) editors * editsEach
          + " were typed");
    }
    for (Peer p : peers) {
      if (!p.client.text().equals(text) || p.client.version() != log.size() || !p.client.sendable().isEmpty()) {
        System.out.println("self-check: editor " + p.index + " at version " + p.client.version() + " of " + log.size()
            + ", " + p.client.sendable().size() + " unconfirmed, text " + (p.client.text().equals(text) ? "equal"
            : "differs"));
        ok = false;
      }
    }
    return ok;
  }

  /** Many seeded runs; prints a line per failure and a summary. */
  static boolean run(long seed) {
    SplittableRandom seeds = new SplittableRandom(seed);
    int failures = 0;
    long refused = 0;
    int runs = Integer.getInteger("runs", 200);
    for (int i = 0; i < runs; i++) {
      long s = Long.getLong("only", seeds.nextLong());
      SelfCheck check = new SelfCheck(s);
      int editors = Integer.getInteger("editors", 2 + (int) Math.floorMod(s, 9L));
      try {
        boolean converged = check.run(editors, Integer.getInteger("edits", 40));
        refused += check.refusals;
        if (!converged) {
          failures++;
          System.out.println("self-check: seed " + s + " (" + editors + " editors) did not converge");
        }
      } catch (RuntimeException e) {
        failures++;
        System.out.println("self-check: seed " + s + " failed: " + e);
      }
    }
    if (RECORD != null) {
      try {
        java.nio.file.Files.writeString(java.nio.file.Path.of(RECORD), RECORDED);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    System.out.println("self-check: " + (runs - failures) + " of " + runs + " seeded runs converged (seed " + seed
        + "; " + refused + " pushes refused as overtaken)");
    return failures == 0;
  }

}
