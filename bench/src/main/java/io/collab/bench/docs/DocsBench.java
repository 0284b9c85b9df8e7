package io.collab.bench.docs;

import io.collab.bench.common.BenchRuns;
import io.collab.bench.common.EventLoops;
import io.collab.bench.common.Host;
import io.collab.bench.common.Machine;
import io.collab.bench.common.MeasuredWindow;
import io.collab.bench.common.Pacing;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;

import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Load generator for collab's collaborative editing (issue 12): editors that behave like CodeMirror 6 with
 * {@code @codemirror/collab} type into workspace files through two instances, and the run reports accepted pushes per
 * second, push to ack and push to other-editor latency, and whether every editor converged to the stored text.
 *
 * <p>Phases: setup over REST ({@link Rest}), connect and open ({@link Editor#connect}), warm-up and measured typing,
 * quiescence and the convergence check ({@link Convergence}), report ({@link DocsReport}). Every editor lives on one
 * of the client's event loops ({@link ClientLoop}); the main thread only drives the phases.
 */
public final class DocsBench {

  private final DocsOptions o;
  private final Vertx vertx;
  private final WebSocketClient wsClient;
  private final Rest rest;
  private final Window window = new Window();
  private final Progress progress = new Progress();
  final List<ClientLoop> loops = new ArrayList<>();
  final List<Editor> editors = new ArrayList<>();
  final Map<String, Long> connectFailures = new ConcurrentSkipListMap<>();

  DocsBench(DocsOptions o) {
    this.o = o;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.loops + 2));
    this.wsClient = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(Math.max(o.editors(), 50))
        .setConnectTimeout(30_000)
        .setTcpNoDelay(true)
        .setMaxFrameSize(4 << 20)
        .setMaxMessageSize(16 << 20)
        .setClosingTimeout(5));
    this.rest = new Rest(vertx, o);
  }

  public static void main(String[] args) {
    DocsOptions options;
    try {
      options = DocsOptions.parse(args);
    } catch (RuntimeException e) {
      System.err.println("docs bench: bad arguments: " + e.getMessage());
      System.err.print(DocsOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options.selfCheck) {
      System.exit(SelfCheck.run(options.seed) ? 0 : 1);
    }
    DocsBench bench = new DocsBench(options);
    BenchRuns.exitAfter("docs bench", 900L + options.warmup + options.duration + options.drain, bench::run,
        () -> bench.vertx);
  }

  int run() throws Exception {
    say("run %s: scenario %s, %d files in %d workspaces, %d editors per file (%d in all) over %s, %.3g edits/s "
            + "per editor, warm-up %d s, measured %d s, seed %d", o.runId, o.scenario, o.files, o.workspaces,
        o.editorsPerFile, o.editors(), o.hosts, o.rate, o.warmup, o.duration, o.seed);
    say("loadavg at start: %s", Machine.loadavg());
    deployLoops();

    long setupStart = System.nanoTime();
    String initial = RandomEdits.initialText(o.initialSize, o.seed);
    Rest.Fixture fixture = rest.setup(initial);
    say("setup done in %.1f s: %d users + owner, 1 project, %d workspaces, %d files of %d characters",
        Pacing.secondsSince(setupStart), o.users, o.workspaces, o.files, initial.length());

    long connectStart = System.nanoTime();
    int opened = connectAll(fixture);
    double connectSeconds = Pacing.secondsSince(connectStart);
    say("opened %d of %d editors in %.1f s (%s)", opened, o.editors(), connectSeconds,
        connectFailures.isEmpty() ? "no failures" : "failures " + connectFailures);
    if (opened < o.editors()) {
      say("not every editor opened its file; stopping");
      closeAll();
      return 1;
    }

    DocsReport report = new DocsReport(o, window, loops, editors);
    report.connectSeconds = connectSeconds;
    type(report);

    Convergence convergence = new Convergence(o, rest, fixture, loops, editors);
    report.convergence = convergence.await();
    closeAll();
    report.print();
    return report.passed() ? 0 : 4;
  }

  private void deployLoops() throws Exception {
    List<Context> contexts = EventLoops.deploy(vertx, o.loops);
    for (int i = 0; i < o.loops; i++) {
      loops.add(new ClientLoop(i, contexts.get(i)));
    }
  }

  /** Editor k of file f connects to host (f + k) mod hosts, so every file has editors on every instance. */
  private int connectAll(Rest.Fixture fixture) throws Exception {
    SplittableRandom seeds = new SplittableRandom(o.seed);
    int hosts = o.hosts.size();
    for (int i = 0; i < o.editors(); i++) {
      int file = i % o.files;
      int slot = i / o.files;
      Host host = o.hosts.get((file + slot) % hosts);
      ClientLoop loop = loops.get(i % o.loops);
      Editor e = new Editor(i, file, slot % o.users, host, loop, window, progress, seeds.nextLong(), o.initialSize);
      e.fileId = fixture.fileIds()[file];
      editors.add(e);
      loop.editors.add(e);
    }
    List<Future<Void>> all = BenchRuns.throttled(editors, o.concurrency, 600, e -> {
      Promise<Void> done = Promise.promise();
      long workspaceId = fixture.fileWorkspaces()[e.file];
      String token = fixture.tokens()[e.user];
      e.loop.context.runOnContext(v -> e.connect(wsClient, workspaceId, token, done));
      return done.future().onFailure(err -> connectFailures.merge(err.getMessage(), 1L, Long::sum));
    });
    return (int) all.stream().filter(Future::succeeded).count();
  }

  private void type(DocsReport report) throws Exception {
    long periodNanos = Pacing.periodNanos(o.rate);
    MeasuredWindow measured = new MeasuredWindow(o.warmup, o.duration);
    window.start = measured.start;
    window.end = measured.end;
    report.windowStartWallMillis = measured.startWallMillis;
    window.typing = true;
    SplittableRandom seeds = new SplittableRandom(o.seed ^ 0x5eed);
    for (ClientLoop loop : loops) {
      long loopSeed = seeds.nextLong();
      loop.context.runOnContext(v -> {
        SplittableRandom random = new SplittableRandom(loopSeed);
        for (Editor e : loop.editors) {
          e.startTyping(periodNanos, random);
        }
      });
    }
    say("typing; warm-up %d s, then measuring %d s", o.warmup, o.duration);
    measured.await(report.stats, (interval, elapsed, measuring) -> {
      long acks = progress.acks.sumThenReset();
      long ackNanos = progress.ackNanos.sumThenReset();
      say("  %s t=%3ds %-7s edits %6.1f/s  pushes %6.1f/s  acks %6.1f/s (push->ack mean %6.2f ms, max %7.2f ms)"
              + "  updates received %8.1f/s", LocalTime.now().withNano(0), elapsed, measuring ? "measure" : "warmup",
          progress.edits.sumThenReset() / interval, progress.pushes.sumThenReset() / interval, acks / interval,
          acks == 0 ? 0.0 : ackNanos / (double) acks / 1e6, progress.ackMax.getThenReset() / 1e6,
          progress.received.sumThenReset() / interval);
    });
    window.typing = false;
    say("typing stopped; waiting for quiescence (at most %d s)", o.drain);
  }

  private void closeAll() throws Exception {
    window.closing = true;
    List<Future<Void>> closing = new ArrayList<>();
    for (ClientLoop loop : loops) {
      closing.add(onLoop(loop, l -> {
        for (Editor e : l.editors) {
          if (e.ws != null && e.open) {
            e.ws.close((short) 1000, "bench done");
          }
        }
      }));
    }
    Future.join(closing).await(20, TimeUnit.SECONDS);
  }

  /** Runs {@code action} on the loop's thread and waits for it (which also makes its writes visible here). */
  static Future<Void> onLoop(ClientLoop loop, Consumer<ClientLoop> action) {
    Promise<Void> done = Promise.promise();
    loop.context.runOnContext(v -> {
      try {
        action.accept(loop);
        done.complete();
      } catch (RuntimeException e) {
        done.fail(e);
      }
    });
    return done.future();
  }

  static void say(String format, Object... args) {
    Machine.say("docs bench: ", format, args);
  }
}
