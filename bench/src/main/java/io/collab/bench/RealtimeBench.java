package io.collab.bench;

import io.collab.bench.common.BenchRuns;
import io.collab.bench.common.EventLoops;
import io.collab.bench.common.Host;
import io.collab.bench.common.Machine;
import io.collab.bench.common.MeasuredWindow;
import io.collab.bench.common.Pacing;
import io.collab.bench.common.RestClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Load generator for collab's realtime fan-out: many WebSocket clients in many workspaces, spread over several
 * instances, each sending timestamped events at a fixed mean rate; every socket measures the delay of every
 * broadcast it receives and checks that the workspace's {@code seq} has no holes.
 *
 * <p>Sender and receivers live in this one JVM, so a message's latency is simply {@code System.nanoTime()} at
 * receipt minus the {@code System.nanoTime()} the sender put in its payload. It only ever connects to loopback.
 *
 * <p>Threads: each socket belongs to one of {@code --client-loops} event loops and all its state (and the loop's
 * statistics) is touched only there; the main thread drives the phases and reads shared counters for progress.
 *
 * <p>Files: {@link RealtimeOptions} (the command line), {@link RealtimeSocket} and {@link RealtimeLoop} (per-socket
 * and per-loop state), {@link RedisSpy}, {@link RealtimeReport}; this class runs the phases and the sockets.
 */
public final class RealtimeBench {

  // ---- the run ------------------------------------------------------------------------------------------------

  private final RealtimeOptions o;
  private final Vertx vertx;
  private final RestClient rest;
  private final WebSocketClient wsClient;
  private final List<RealtimeLoop> loops = new ArrayList<>();
  private final List<RealtimeSocket> sockets = new ArrayList<>();

  private long[] workspaceIds;
  private RedisSpy spy;
  private String[] userTokens;
  private String[] userEmails;

  // phase boundaries (System.nanoTime), written by main before senders start (runOnContext publishes them)
  private volatile long measureStart = Long.MAX_VALUE;
  private volatile long measureEnd = Long.MAX_VALUE;
  private volatile boolean stopping;

  // progress counters, read by main
  private final LongAdder progressSent = new LongAdder();
  private final LongAdder progressDelivered = new LongAdder();
  private final LongAdder progressLatencySum = new LongAdder();
  private final LongAccumulator progressLatencyMax = new LongAccumulator(Math::max, 0);
  private final LongAdder measuredDelivered = new LongAdder();
  private final LongAdder unexpectedCloses = new LongAdder();
  private AtomicLongArray sentPerWorkspace;
  private AtomicIntegerArray readyPerWorkspace;
  private final List<Long> connectNanos = new CopyOnWriteArrayList<>();
  private final Map<String, Long> connectFailures = new ConcurrentSkipListMap<>();

  RealtimeBench(RealtimeOptions o) {
    this.o = o;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.loops + 2));
    this.rest = new RestClient(vertx);
    this.wsClient = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(Math.max(o.sockets, 50))
        .setConnectTimeout(30_000)
        .setTcpNoDelay(true)
        .setTryUsePerMessageCompression(o.compression)
        .setClosingTimeout(5));
  }

  public static void main(String[] args) {
    RealtimeOptions options;
    try {
      options = RealtimeOptions.parse(args);
    } catch (RuntimeException e) {
      System.err.println("bench: bad arguments: " + e.getMessage());
      System.err.print(RealtimeOptions.USAGE);
      System.exit(2);
      return;
    }
    RealtimeBench bench = new RealtimeBench(options);
    BenchRuns.exitAfter("bench", 900L + options.warmup + options.duration + options.drain, bench::run,
        () -> bench.vertx);
  }

  int run() throws Exception {
    say("run %s: %s, %d sockets over %s, %d workspaces, %d users, %s", o.runId, o.idle ? "idle" : "fan-out",
        o.sockets, o.hosts, o.workspaces, o.users, o.idle ? "hold " + o.duration + " s"
            : String.format(Locale.ROOT, "%.3g msg/s per socket, warmup %d s, measure %d s", o.rate, o.warmup, o.duration));
    say("loadavg at start: %s", Machine.loadavg());

    List<Context> contexts = EventLoops.deploy(vertx, o.loops + 1); // the last one for the Redis spy
    for (int i = 0; i < o.loops; i++) {
      RealtimeLoop loop = new RealtimeLoop(i);
      loop.context = contexts.get(i);
      loops.add(loop);
    }

    long setupStart = System.nanoTime();
    setup();
    say("setup done in %.1f s: %d users + 1 owner registered and logged in, %d workspaces (ids %d..%d), "
            + "users added as collaborators", Pacing.secondsSince(setupStart), o.users, o.workspaces,
        Arrays.stream(workspaceIds).min().orElse(0), Arrays.stream(workspaceIds).max().orElse(0));

    if (o.gate != null) {
      System.out.println("BENCH-SETUP-DONE");
      System.out.flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (!Files.exists(Path.of(o.gate))) {
        if (System.nanoTime() > deadline) {
          say("gate %s did not appear within 300 s", o.gate);
          return 1;
        }
        Thread.sleep(100);
      }
    }

    if (o.redisSpy != null) {
      spy = new RedisSpy(vertx, contexts.get(o.loops), o, t -> t >= measureStart && t < measureEnd);
      spy.start(workspaceIds).await(10, TimeUnit.SECONDS);
      say("redis spy: %s", spy.failure == null ? "subscribed to " + workspaceIds.length + " channels on " + o.redisSpy
          : "failed: " + spy.failure);
    }

    long connectStart = System.nanoTime();
    connectAll();
    double connectSeconds = Pacing.secondsSince(connectStart);
    int connected = 0;
    for (int w = 0; w < o.workspaces; w++) {
      connected += readyPerWorkspace.get(w);
    }
    say("connected %d of %d sockets in %.1f s (%s)", connected, o.sockets, connectSeconds,
        connectFailures.isEmpty() ? "no failures" : "failures " + connectFailures);
    if (connected == 0) {
      return 1;
    }

    RealtimeReport report = o.idle ? idle() : fanout();
    report.connected = connected;
    report.connectSeconds = connectSeconds;

    // close everything politely, then gather the statistics of each loop
    stopping = true;
    List<Future<Void>> closing = new ArrayList<>();
    for (RealtimeLoop loop : loops) {
      Promise<Void> done = Promise.promise();
      loop.context.runOnContext(v -> {
        List<Future<Void>> all = new ArrayList<>();
        for (RealtimeSocket s : loop.sockets) {
          if (s.ws != null && s.open) {
            all.add(s.ws.close((short) 1000, "bench done").recover(err -> Future.succeededFuture()));
          }
        }
        Future.join(all).onComplete(r -> done.complete());
      });
      closing.add(done.future());
    }
    try {
      Future.join(closing).await(20, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      say("not every socket closed within 20 s");
    }
    report.print(expected(), connectNanos.stream().mapToLong(Long::longValue).sorted().toArray(), connectFailures,
        readyPerWorkspace);
    return 0;
  }

  // ---- setup over REST ----------------------------------------------------------------------------------------

  private void setup() throws Exception {
    Host api = o.hosts.get(0);
    String owner = rest.owner(api, "bench", o.runId);
    RestClient.Users users = rest.users(api, "bench", o.runId, o.users);
    userEmails = users.emails();
    userTokens = users.tokens();
    long projectId = rest.project(api, owner, "bench " + o.runId);
    workspaceIds = rest.workspaces(api, owner, projectId, o.workspaces, "ws ");
    // every socket user joins every workspace that one of its sockets uses
    int perWorkspace = (o.sockets + o.workspaces - 1) / o.workspaces;
    rest.collaborators(api, owner, workspaceIds, Arrays.asList(userEmails).subList(0, Math.min(o.users, perWorkspace)));
  }

  // ---- sockets ------------------------------------------------------------------------------------------------

  private void connectAll() throws Exception {
    sentPerWorkspace = new AtomicLongArray(o.workspaces);
    readyPerWorkspace = new AtomicIntegerArray(o.workspaces);
    int hosts = o.hosts.size();
    for (int i = 0; i < o.sockets; i++) {
      int w = i % o.workspaces;
      int slot = i / o.workspaces;
      // (w + slot) mod hosts: over all sockets this alternates hosts, and each workspace has sockets on every host
      Host host = o.hosts.get((w + slot) % hosts);
      RealtimeLoop loop = loops.get(i % o.loops);
      boolean sender = !o.idle && (o.senders >= 1 || ThreadLocalRandom.current().nextDouble() < o.senders);
      RealtimeSocket s = new RealtimeSocket(i, w, slot % o.users, host, loop, sender);
      sockets.add(s);
      loop.sockets.add(s);
    }
    long[] lastNote = {System.nanoTime()};
    BenchRuns.throttled(sockets, o.concurrency, 600, s -> {
      Promise<Void> ready = Promise.promise();
      s.loop.context.runOnContext(v -> open(s, ready));
      if (System.nanoTime() - lastNote[0] > TimeUnit.SECONDS.toNanos(5)) {
        lastNote[0] = System.nanoTime();
        say("  connecting: %d started, %d ready", s.index + 1, connectNanos.size());
      }
      return ready.future();
    });
  }

  /** On the socket's loop: handshake, then wait for presence_state (at most 30 s). */
  private void open(RealtimeSocket s, Promise<Void> ready) {
    long started = System.nanoTime();
    s.readyPromise = ready;
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost(s.host.host()).setPort(s.host.port())
        .setURI("/ws/workspaces/" + workspaceIds[s.workspace] + "/?token=" + userTokens[s.user]);
    s.readyTimer = vertx.setTimer(30_000, t -> {
      if (!s.ready) {
        connectFailures.merge("no presence_state within 30 s", 1L, Long::sum);
        if (s.ws != null) {
          s.ws.close();
        }
        ready.tryComplete();
      }
    });
    wsClient.connect(options).onComplete(ar -> {
      if (ar.failed()) {
        Throwable err = ar.cause();
        String why = err instanceof UpgradeRejectedException rejected ? "handshake " + rejected.getStatus()
            : err.getClass().getSimpleName() + ": " + err.getMessage();
        connectFailures.merge(why, 1L, Long::sum);
        vertx.cancelTimer(s.readyTimer);
        ready.tryComplete();
        return;
      }
      WebSocket ws = ar.result();
      s.ws = ws;
      s.open = true;
      ws.textMessageHandler(text -> onText(s, text, started));
      ws.exceptionHandler(err -> s.loop.count(s.loop.errors, (stopping ? "while closing at the end: " : "")
          + "socket exception: " + err.getClass().getSimpleName()));
      ws.closeHandler(v -> {
        s.open = false;
        if (!stopping) {
          Short code = ws.closeStatusCode();
          s.loop.count(s.loop.closes, (code == null ? "none" : code.toString())
              + (ws.closeReason() == null ? "" : " " + ws.closeReason()));
          unexpectedCloses.increment();
        }
        if (!s.ready) {
          connectFailures.merge("closed before presence_state", 1L, Long::sum);
          vertx.cancelTimer(s.readyTimer);
          ready.tryComplete();
        }
      });
    });
  }

  /** On the socket's loop: every server message. */
  private void onText(RealtimeSocket s, String text, long connectStarted) {
    long now = System.nanoTime();
    RealtimeLoop loop = s.loop;
    // Fast path for the bulk of the traffic, so that the load generator's own CPU stays small: the server writes
    // {"type":"broadcast","event":..,"payload":{..},"user":..,"ts":..,"epoch":..,"seq":N} in this order
    // (Protocol.unsequenced, then the sequencer);
    // anything that does not match exactly is parsed in full below.
    if (text.startsWith("{\"type\":\"broadcast\",\"event\":\"bench\",\"payload\":{\"t\":")) {
      long t = number(text, text.indexOf("\"t\":") + 4);
      long sentWall = number(text, text.indexOf(",\"w\":") + 5);
      int userAt = text.indexOf("},\"user\":\"");
      int tsAt = text.indexOf("\",\"ts\":\"", userAt);
      int seqAt = text.lastIndexOf(",\"seq\":");
      if (t > 0 && sentWall > 0 && userAt > 0 && tsAt > 0 && seqAt > tsAt) {
        long seq = number(text, seqAt + 7);
        boolean ours = text.startsWith("bench-" + o.runId + "-", userAt + 10);
        String ts = text.substring(tsAt + 8, text.indexOf('"', tsAt + 8));
        onBroadcast(s, loop, now, seq, ours, true, t, sentWall, ts);
        return;
      }
    }
    JsonObject m;
    try {
      m = new JsonObject(text);
    } catch (RuntimeException e) {
      loop.count(loop.errors, "unparseable server message");
      return;
    }
    String type = m.getString("type", "");
    switch (type) {
      case "broadcast" -> {
        Long seqValue = m.getLong("seq");
        boolean ours = m.getString("user", "").startsWith("bench-" + o.runId + "-");
        boolean bench = "bench".equals(m.getString("event"));
        JsonObject payload = bench ? m.getJsonObject("payload") : null;
        Long t = payload == null ? null : payload.getLong("t");
        Long sentWall = payload == null ? null : payload.getLong("w");
        onBroadcast(s, loop, now, seqValue == null ? -1 : seqValue, ours, bench && t != null, t == null ? 0 : t,
            sentWall == null ? 0 : sentWall, m.getString("ts"));
      }
      case "presence_state" -> {
        if (!s.ready) {
          s.ready = true;
          vertx.cancelTimer(s.readyTimer);
          connectNanos.add(now - connectStarted);
          readyPerWorkspace.incrementAndGet(s.workspace);
          s.readyPromise.tryComplete();
        } else {
          loop.count(loop.errors, "second presence_state");
        }
      }
      case "error" -> loop.count(loop.errors, "error " + m.getString("error") + ": " + m.getString("detail"));
      case "recovery_failed" -> loop.recoveryFailed++;
      default -> loop.count(loop.errors, "unexpected message type " + type);
    }
  }

  private void onBroadcast(RealtimeSocket s, RealtimeLoop loop, long now, long seq, boolean ours, boolean bench,
                           long t, long sentWall, String ts) {
    if (s.lastSeq >= 0) {
      if (seq > s.lastSeq + 1) {
        loop.seqGaps++;
        loop.seqMissing += seq - s.lastSeq - 1;
      } else if (seq <= s.lastSeq) {
        loop.seqBackwards++;
      }
    }
    s.lastSeq = Math.max(s.lastSeq, seq);
    if (!ours) {
      loop.foreignBroadcasts++;
      return;
    }
    if (!bench) {
      loop.otherBroadcasts++;
      return;
    }
    long latency = now - t;
    if (t >= measureStart && t < measureEnd) {
      loop.deliveredMeasured++;
      loop.latency(t, latency);
      measuredDelivered.increment();
      if (sentWall > 0 && ts != null) {
        long accepted = loop.epochMillis(ts);
        loop.split(accepted - sentWall, System.currentTimeMillis() - accepted);
      }
    } else {
      loop.deliveredOther++;
    }
    progressDelivered.increment();
    progressLatencySum.add(latency);
    progressLatencyMax.accumulate(latency);
  }

  /** The non-negative integer at {@code at}, or -1. */
  private static long number(String text, int at) {
    if (at < 0 || at >= text.length()) {
      return -1;
    }
    long n = 0;
    int i = at;
    for (; i < text.length() && Character.isDigit(text.charAt(i)); i++) {
      n = n * 10 + (text.charAt(i) - '0');
    }
    return i == at ? -1 : n;
  }

  /** On the socket's loop: send one event now and schedule the next, until the measured window ends. */
  private void send(RealtimeSocket s, long periodNanos) {
    if (!s.open || stopping) {
      return;
    }
    long t = System.nanoTime();
    if (t >= measureEnd) {
      return;
    }
    if (s.ws.writeQueueFull()) {
      s.loop.writeQueueFull++;
    }
    s.ws.writeTextMessage("{\"event\":\"bench\",\"payload\":{\"t\":" + t + ",\"w\":" + System.currentTimeMillis()
        + ",\"from\":" + s.index + "}}");
    if (t >= measureStart) {
      s.loop.sentMeasured++;
      sentPerWorkspace.incrementAndGet(s.workspace);
    } else {
      s.loop.sentWarmup++;
    }
    progressSent.increment();
    vertx.setTimer(Pacing.gapMillis(periodNanos, ThreadLocalRandom.current().nextDouble()), id -> send(s, periodNanos));
  }

  // ---- scenarios ----------------------------------------------------------------------------------------------

  private RealtimeReport fanout() throws Exception {
    long periodNanos = Pacing.periodNanos(o.rate);
    MeasuredWindow window = new MeasuredWindow(o.warmup, o.duration);
    measureStart = window.start;
    measureEnd = window.end;
    RealtimeReport report = new RealtimeReport(o, loops, spy, window.start, window.startWallMillis);
    for (RealtimeLoop loop : loops) {
      loop.context.runOnContext(v -> {
        for (RealtimeSocket s : loop.sockets) {
          if (s.sender && s.open) {
            vertx.setTimer(Pacing.firstDelayMillis(periodNanos, ThreadLocalRandom.current().nextDouble()),
                id -> send(s, periodNanos));
          }
        }
      });
    }
    say("sending; warmup %d s, then measuring %d s", o.warmup, o.duration);
    window.await(report.stats, (interval, elapsed, measuring) -> {
      long sent = progressSent.sumThenReset();
      long delivered = progressDelivered.sumThenReset();
      long latencySum = progressLatencySum.sumThenReset();
      long latencyMax = progressLatencyMax.getThenReset();
      say("  %s t=%3ds %-7s sent %7.1f/s  delivered %8.1f/s  latency mean %6.2f ms, max %7.2f ms  closes %d",
          LocalTime.now().withNano(0), elapsed, measuring ? "measure" : "warmup", sent / interval,
          delivered / interval, delivered == 0 ? 0.0 : latencySum / (double) delivered / 1e6, latencyMax / 1e6,
          unexpectedCloses.sum());
    });
    report.measuredSeconds = o.duration;

    long drainStart = System.nanoTime();
    long drainDeadline = drainStart + TimeUnit.SECONDS.toNanos(o.drain);
    while (System.nanoTime() < drainDeadline && measuredDelivered.sum() < expected()) {
      Thread.sleep(50);
    }
    report.drainSeconds = Pacing.secondsSince(drainStart);
    return report;
  }

  private RealtimeReport idle() throws Exception {
    RealtimeReport report = new RealtimeReport(o, loops, spy, measureStart, System.currentTimeMillis());
    System.out.println("BENCH-IDLE-READY " + connectNanos.size());
    System.out.flush();
    report.stats.start();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(o.duration);
    long tick = start;
    while (System.nanoTime() < end) {
      tick += TimeUnit.SECONDS.toNanos(10);
      Pacing.sleepUntil(Math.min(tick, end));
      say("  holding: t=%3ds, closes so far %d", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
          unexpectedCloses.sum());
    }
    report.stats.end();
    report.measuredSeconds = o.duration;
    return report;
  }

  private long expected() {
    long total = 0;
    for (int w = 0; w < o.workspaces; w++) {
      total += sentPerWorkspace.get(w) * readyPerWorkspace.get(w);
    }
    return total;
  }

  private static void say(String format, Object... args) {
    Machine.say("bench: ", format, args);
  }
}
