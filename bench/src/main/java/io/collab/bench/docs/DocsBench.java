package io.collab.bench.docs;

import io.collab.bench.BenchRuns;
import io.collab.bench.CpuSample;
import io.collab.bench.docs.DocsOptions.Host;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
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
    say("loadavg at start: %s", loadavg());
    deployLoops();

    long setupStart = System.nanoTime();
    String initial = RandomEdits.initialText(o.initialSize, o.seed);
    Rest.Fixture fixture = rest.setup(initial);
    say("setup done in %.1f s: %d users + owner, 1 project, %d workspaces, %d files of %d characters",
        secondsSince(setupStart), o.users, o.workspaces, o.files, initial.length());

    long connectStart = System.nanoTime();
    int opened = connectAll(fixture);
    double connectSeconds = secondsSince(connectStart);
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

  /** Deployed once per client loop, only to obtain an event-loop context of its own. */
  private static final class Anchor extends VerticleBase {
    private final List<Context> contexts;

    Anchor(List<Context> contexts) {
      this.contexts = contexts;
    }

    @Override
    public Future<?> start() {
      contexts.add(context);
      return Future.succeededFuture();
    }
  }

  private void deployLoops() throws Exception {
    List<Context> contexts = new CopyOnWriteArrayList<>();
    vertx.deployVerticle(() -> new Anchor(contexts), new DeploymentOptions().setInstances(o.loops))
        .await(30, TimeUnit.SECONDS);
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
    Semaphore permits = new Semaphore(o.concurrency);
    List<Future<Void>> all = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
    for (Editor e : editors) {
      if (!permits.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException("connecting took longer than 600 s");
      }
      Promise<Void> done = Promise.promise();
      long workspaceId = fixture.fileWorkspaces()[e.file];
      String token = fixture.tokens()[e.user];
      e.loop.context.runOnContext(v -> e.connect(wsClient, workspaceId, token, done));
      done.future().onComplete(r -> {
        permits.release();
        if (r.failed()) {
          connectFailures.merge(r.cause().getMessage(), 1L, Long::sum);
        }
      });
      all.add(done.future());
    }
    Future.join(all).await(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime())), TimeUnit.SECONDS);
    return (int) all.stream().filter(Future::succeeded).count();
  }

  private void type(DocsReport report) throws Exception {
    long periodNanos = (long) (1e9 / o.rate);
    long now = System.nanoTime();
    window.start = now + TimeUnit.SECONDS.toNanos(o.warmup);
    window.end = window.start + TimeUnit.SECONDS.toNanos(o.duration);
    report.windowStartWallMillis = System.currentTimeMillis() + o.warmup * 1000L;
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
    long wallNow = System.currentTimeMillis();
    say("typing; warm-up %d s, then measuring %d s", o.warmup, o.duration);
    System.out.printf(Locale.ROOT, "BENCH-WINDOW %d %d%n", wallNow + o.warmup * 1000L,
        wallNow + (o.warmup + (long) o.duration) * 1000L);
    long tick = now;
    long lastTick = now;
    boolean sampled = false;
    while (System.nanoTime() < window.end) {
      long wake = Math.min(tick + TimeUnit.SECONDS.toNanos(5), window.end);
      if (!sampled && window.start < wake) {
        wake = window.start;
      }
      sleepUntil(wake);
      if (!sampled && wake == window.start) {
        sampled = true;
        report.cpuStart = CpuSample.take(o.watch);
        report.loadStart = loadavg();
        report.gcCount = -gcCount();
        report.gcMillis = -gcMillis();
        continue;
      }
      tick = wake;
      double interval = (System.nanoTime() - lastTick) / 1e9;
      lastTick = System.nanoTime();
      long acks = progress.acks.sumThenReset();
      long ackNanos = progress.ackNanos.sumThenReset();
      say("  %s t=%3ds %-7s edits %6.1f/s  pushes %6.1f/s  acks %6.1f/s (push->ack mean %6.2f ms, max %7.2f ms)"
              + "  updates received %8.1f/s", LocalTime.now().withNano(0), Math.round((System.nanoTime() - now) / 1e9),
          System.nanoTime() > window.start ? "measure" : "warmup", progress.edits.sumThenReset() / interval,
          progress.pushes.sumThenReset() / interval, acks / interval, acks == 0 ? 0.0 : ackNanos / (double) acks / 1e6,
          progress.ackMax.getThenReset() / 1e6, progress.received.sumThenReset() / interval);
    }
    window.typing = false;
    report.cpuEnd = CpuSample.take(o.watch);
    report.loadEnd = loadavg();
    report.gcCount += gcCount();
    report.gcMillis += gcMillis();
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

  static long gcCount() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
  }

  static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
  }

  static String loadavg() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "n/a";
    }
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
  }

  static double secondsSince(long nanoTime) {
    return (System.nanoTime() - nanoTime) / 1e9;
  }

  static void say(String format, Object... args) {
    System.out.println("docs bench: " + String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}
