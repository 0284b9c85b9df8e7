package io.collab.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Load generator for collab's background jobs, against a running cluster (loopback only).
 *
 * <p>Phase 1, enqueue rate: registers and logs in {@code --users} users, then submits {@code --jobs} trivial jobs
 * ({@code {"code":"print(1)","language":"python"}}, no workspace) as fast as the server takes them with
 * {@code --concurrency} requests in flight, spread round-robin over the users (the server serialises one user's
 * submits and has a per-user active-job quota). Reports 202s per second, errors by status and the submit response
 * time. Then waits (bounded by {@code --drain-timeout}) until the workers have drained the queue
 * ({@code GET /api/jobs/health/}: {@code pending} and {@code queued} 0), so that phase 2 does not measure the backlog;
 * jobs still queued at the bound are cancelled and the wait is reported.
 *
 * <p>Phase 2, end-to-end latency: one more user owns a project and a workspace and listens on one WebSocket
 * {@code /ws/workspaces/<id>/?token=}; it submits trivial python jobs with {@code workspace_id}, {@code
 * --latency-inflight} at a time, and measures from sending the submit to receiving
 * {@code {"type":"job","job_id":...,"status":"succeeded"}} on the socket. The {@code running} event splits that into
 * "until running" (HTTP submit, queue pickup, start transaction, announce) and "running to succeeded" (sandbox,
 * finish transaction, announce).
 *
 * <p>All waits are bounded; the process exits 0 when it completed (targets met or not), 1 on a setup failure.
 */
public final class JobsBench {

  // ---- options ------------------------------------------------------------------------------------------------

  static final class Options {
    String host = "127.0.0.1";
    int port = 8001;
    int jobs = 5000;
    int users = 500;
    int concurrency = 64;
    int latencyJobs = 200;
    int latencyInflight = 1;
    int latencyWarmup = 10;
    long drainTimeoutS = 900;
    long probeTimeoutS = 30;
    boolean baseline = false;
    boolean enqueue = true;
    boolean latency = true;
    int warmupRounds = 3;
    String client = "wrk";
    String wrk = "wrk";
    String workDir = System.getProperty("java.io.tmpdir");
    String code = "print(1)";
    String language = "python";
    String password = "bench-password-123";
    double targetRate = 2000;
    double targetP50Ms = 150;

    static final String HELP = """
        JobsBench: enqueue rate and end-to-end latency of collab's background jobs.

          --host HOST:PORT        API node to submit to (default 127.0.0.1:8001; loopback only)
          --jobs N                phase 1: trivial jobs to submit (default 5000)
          --users N               phase 1: users the submissions are spread over (default 500)
          --concurrency N         phase 1: submit requests in flight (default 64)
          --latency-jobs N        phase 2: measured jobs (default 200)
          --latency-inflight N    phase 2: jobs in flight at once (default 1: one after another)
          --latency-warmup N      phase 2: jobs run first and not counted (default 10)
          --drain-timeout S       between the phases: longest wait for the workers to drain the queue (default 900)
          --probe-timeout S       phase 2: longest wait for one job's succeeded event (default 30)
          --phases LIST           enqueue,latency (default both; the drain runs only when both do); add 'baseline'
                                  to first time GET /health/live (no auth) and GET /api/auth/me/ (auth only) with
                                  --jobs requests each at --concurrency, for comparison with the submit
          --warmup-rounds N       phase 1: rounds of --jobs submits, each cancelled at once, before the measured
                                  one, so that the server's JIT has compiled the submit path (default 3; 0: none)
          --client wrk|vertx      phase 1: who sends the measured submits (default wrk, with bench/jobs/submit.lua:
                                  a fraction of a JVM client's CPU per request, and the client shares the cores)
          --wrk PATH              the wrk binary (default wrk, from PATH)
          --work-dir DIR          where the tokens file for wrk is written (default the temp directory)
          --code TEXT             the job's code (default print(1))
          --language NAME         the job's language (default python)
          --target-rate R         enqueue target in submits/s (default 2000)
          --target-p50 MS         end-to-end p50 target in ms (default 150)
        """;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--help") || a.equals("-h") || a.equals("help")) {
          System.out.print(HELP);
          System.exit(0);
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--host" -> {
            int colon = v.lastIndexOf(':');
            o.host = colon < 0 ? v : v.substring(0, colon);
            o.port = colon < 0 ? 8001 : Integer.parseInt(v.substring(colon + 1));
          }
          case "--jobs" -> o.jobs = Integer.parseInt(v);
          case "--users" -> o.users = Integer.parseInt(v);
          case "--concurrency" -> o.concurrency = Integer.parseInt(v);
          case "--latency-jobs" -> o.latencyJobs = Integer.parseInt(v);
          case "--latency-inflight" -> o.latencyInflight = Integer.parseInt(v);
          case "--latency-warmup" -> o.latencyWarmup = Integer.parseInt(v);
          case "--drain-timeout" -> o.drainTimeoutS = Long.parseLong(v);
          case "--probe-timeout" -> o.probeTimeoutS = Long.parseLong(v);
          case "--phases" -> {
            List<String> phases = Arrays.asList(v.toLowerCase(Locale.ROOT).split(","));
            o.baseline = phases.contains("baseline");
            o.enqueue = phases.contains("enqueue");
            o.latency = phases.contains("latency");
          }
          case "--warmup-rounds" -> o.warmupRounds = Integer.parseInt(v);
          case "--client" -> {
            if (!v.equals("wrk") && !v.equals("vertx")) {
              throw new IllegalArgumentException("--client must be wrk or vertx");
            }
            o.client = v;
          }
          case "--wrk" -> o.wrk = v;
          case "--work-dir" -> o.workDir = v;
          case "--code" -> o.code = v;
          case "--language" -> o.language = v;
          case "--target-rate" -> o.targetRate = Double.parseDouble(v);
          case "--target-p50" -> o.targetP50Ms = Double.parseDouble(v);
          default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
        }
      }
      if (!o.host.equals("127.0.0.1") && !o.host.equals("localhost") && !o.host.equals("::1")) {
        throw new IllegalArgumentException("--host must be a loopback address, got " + o.host);
      }
      if (o.jobs < 1 || o.users < 1 || o.concurrency < 1 || o.latencyJobs < 0 || o.latencyInflight < 1) {
        throw new IllegalArgumentException("counts must be positive");
      }
      return o;
    }
  }

  // ---- plumbing -----------------------------------------------------------------------------------------------

  private final Vertx vertx;
  private final Options o;
  private final WebClient http;
  private final Context ctx;
  private final String runId = Long.toString(System.currentTimeMillis() % 100_000_000L, 36);

  private JobsBench(Vertx vertx, Options o) {
    this.vertx = vertx;
    this.o = o;
    this.http = WebClient.create(vertx,
        new WebClientOptions().setDefaultHost(o.host).setDefaultPort(o.port).setKeepAlive(true).setTcpNoDelay(true)
            .setConnectTimeout(5000).setUserAgentEnabled(false),
        new PoolOptions().setHttp1MaxSize(Math.max(o.concurrency, o.latencyInflight) + 16).setMaxWaitQueueSize(-1));
    this.ctx = vertx.getOrCreateContext();
  }

  public static void main(String[] args) {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("JobsBench: " + e.getMessage());
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx();
    int code;
    try {
      new JobsBench(vertx, o).run();
      code = 0;
    } catch (Exception e) {
      System.out.println("JobsBench FAILED: " + e);
      code = 1;
    } finally {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }
    System.exit(code);
  }

  /** Runs {@code work} on the bench's one event-loop context and waits (bounded) for its result. */
  private <T> T onLoop(Supplier<Future<T>> work, long timeoutS, String what) throws Exception {
    Promise<T> promise = Promise.promise();
    ctx.runOnContext(v -> {
      try {
        work.get().onComplete(promise);
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    try {
      return promise.future().toCompletionStage().toCompletableFuture().get(timeoutS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + " did not finish within " + timeoutS + " s");
    }
  }

  /**
   * Runs {@code task(0)} to {@code task(n - 1)}, at most {@code lanes} at once, each lane starting its next task when
   * the previous one ends; completes when all have ended (a task's own outcome is the task's business).
   */
  private static Future<Void> inLanes(int n, int lanes, IntFunction<Future<?>> task) {
    if (n == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    int[] next = {0};
    int[] finished = {0};
    Runnable[] lane = new Runnable[1];
    lane[0] = () -> {
      int i = next[0]++;
      if (i < n) {
        task.apply(i).onComplete(ended -> {
          if (++finished[0] == n) {
            done.complete();
          } else {
            lane[0].run();
          }
        });
      }
    };
    for (int l = 0; l < Math.min(lanes, n); l++) {
      lane[0].run();
    }
    return done.future();
  }

  private static void say(String format, Object... args) {
    System.out.printf(Locale.ROOT, format + "%n", args);
    System.out.flush();
  }

  private Future<HttpResponse<Buffer>> postJson(String path, String token, JsonObject body) {
    var request = http.post(path).putHeader("content-type", "application/json").timeout(30_000);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return request.sendBuffer(body.toBuffer());
  }

  private Future<HttpResponse<Buffer>> get(String path, String token) {
    return http.get(path).putHeader("Authorization", "Bearer " + token).timeout(30_000).send();
  }

  private static <T> Future<T> expect(HttpResponse<Buffer> response, int status, String what, T value) {
    if (response.statusCode() != status) {
      return Future.failedFuture(new IllegalStateException(what + " answered " + response.statusCode() + ": "
          + response.bodyAsString()));
    }
    return Future.succeededFuture(value);
  }

  /** Registers and logs in one user; completes with the access token. */
  private Future<String> account(String name) {
    String email = name + "@bench.example";
    return postJson("/api/auth/register/", null, new JsonObject().put("email", email).put("username", name)
            .put("password", o.password))
        .compose(r -> expect(r, 201, "register " + name, null))
        .compose(v -> login(email));
  }

  private Future<String> login(String email) {
    return postJson("/api/auth/login/", null, new JsonObject().put("email", email).put("password", o.password))
        .compose(r -> expect(r, 200, "login " + email, r.statusCode() == 200 ? r.bodyAsJsonObject() : null))
        .map(body -> body.getString("access"));
  }

  /** {@code count} accounts, at most 8 registrations at once (Argon2 runs on the server's worker threads). */
  private Future<List<String>> accounts(String prefix, int count) {
    String[] tokens = new String[count];
    List<Throwable> failures = new ArrayList<>();
    return inLanes(count, 8, i -> account(prefix + i)
            .onSuccess(token -> tokens[i] = token)
            .onFailure(failures::add))
        .compose(all -> failures.isEmpty() ? Future.succeededFuture(List.of(tokens))
            : Future.failedFuture(failures.get(0)));
  }

  // ---- statistics ---------------------------------------------------------------------------------------------

  /** Nearest-rank percentile of sorted values, in ms. */
  private static double pct(long[] sortedNanos, double p) {
    if (sortedNanos.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sortedNanos.length);
    return sortedNanos[Math.min(sortedNanos.length, Math.max(1, rank)) - 1] / 1e6;
  }

  private static String dist(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    if (sorted.length == 0) {
      return "(no samples)";
    }
    double mean = Arrays.stream(sorted).average().orElse(0) / 1e6;
    return String.format(Locale.ROOT, "p50 %.1f  p90 %.1f  p95 %.1f  p99 %.1f  max %.1f  mean %.1f ms (n=%d)",
        pct(sorted, 50), pct(sorted, 90), pct(sorted, 95), pct(sorted, 99), sorted[sorted.length - 1] / 1e6, mean,
        sorted.length);
  }

  private static String errorKey(HttpResponse<Buffer> response) {
    String code = "";
    try {
      JsonObject body = response.bodyAsJsonObject();
      code = body == null ? "" : " " + body.getString("error", "");
    } catch (RuntimeException notJson) {
      // keep the status alone
    }
    return response.statusCode() + code;
  }

  // ---- the run ------------------------------------------------------------------------------------------------

  private void run() throws Exception {
    say("JobsBench: host %s:%d, run id %s, %d cores visible to the client JVM", o.host, o.port, runId,
        Runtime.getRuntime().availableProcessors());
    String monitorToken = null;
    if (o.enqueue) {
      say("setup: registering and logging in %d users", o.users);
      long t0 = System.nanoTime();
      List<String> tokens = onLoop(() -> accounts("jb" + runId + "u", o.users), 600, "user setup");
      say("setup: %d users ready in %.1f s", tokens.size(), (System.nanoTime() - t0) / 1e9);
      monitorToken = tokens.get(0);
      if (o.baseline) {
        baseline("GET /health/live (no auth)", "/health/live", null);
        baseline("GET /api/auth/me/ (JWT, user lookup, rate limit)", "/api/auth/me/", tokens);
      }
      if (o.warmupRounds > 0) {
        warmup(tokens);
      }
      long phaseStart = System.nanoTime();
      int accepted = submitRound(tokens, "phase 1 (enqueue)", o.code);
      if (o.latency && o.latencyJobs > 0) {
        drain(monitorToken, tokens, accepted, phaseStart);
      }
    }
    if (o.latency && o.latencyJobs > 0) {
      latencyPhase();
    }
    say("JobsBench: done");
  }

  // ---- baseline -----------------------------------------------------------------------------------------------

  /** {@code --jobs} GETs of {@code path} with {@code --concurrency} in flight (tokens round-robin, or none). */
  private void baseline(String what, String path, List<String> tokens) throws Exception {
    int n = o.jobs;
    long[] latencies = new long[n];
    int[] oks = {0};
    Map<String, Integer> errors = new TreeMap<>();
    long[] window = new long[2];
    onLoop(() -> {
      window[0] = System.nanoTime();
      return inLanes(n, o.concurrency, i -> {
        var request = http.get(path).timeout(30_000);
        if (tokens != null) {
          request.putHeader("Authorization", "Bearer " + tokens.get(i % tokens.size()));
        }
        long sent = System.nanoTime();
        return request.send().onComplete(ar -> {
          long now = System.nanoTime();
          latencies[i] = now - sent;
          if (ar.succeeded() && ar.result().statusCode() == 200) {
            oks[0]++;
          } else {
            errors.merge(ar.succeeded() ? errorKey(ar.result()) : "exception", 1, Integer::sum);
          }
          window[1] = now;
        });
      });
    }, Math.max(120, n / 10), "baseline " + path);
    double wallS = (window[1] - window[0]) / 1e9;
    say("baseline %s: %d requests, %.0f/s (200s only), errors %s", what, n, oks[0] / wallS,
        errors.isEmpty() ? "none" : errors);
    say("  response time: %s", dist(latencies));
  }

  // ---- phase 1 ------------------------------------------------------------------------------------------------

  /** Completes with [token, job id] of every accepted job. */
  private List<String[]> enqueuePhase(List<String> tokens, int n, String phase, String code) throws Exception {
    long[] latencies = new long[n];
    boolean[] ok = new boolean[n];
    String[][] accepted = new String[n][];
    Map<String, Integer> errors = new TreeMap<>();
    Buffer body = new JsonObject().put("code", code).put("language", o.language).toBuffer();
    long[] window = new long[2];
    say("%s: %d jobs over %d users, %d requests in flight, Vert.x client", phase, n, tokens.size(), o.concurrency);
    onLoop(() -> {
      window[0] = System.nanoTime();
      return inLanes(n, o.concurrency, i -> {
        String token = tokens.get(i % tokens.size());
        long sent = System.nanoTime();
        return http.post("/api/jobs/submit/").putHeader("content-type", "application/json")
            .putHeader("Authorization", "Bearer " + token).timeout(30_000).sendBuffer(body)
            .onComplete(ar -> {
              long now = System.nanoTime();
              latencies[i] = now - sent;
              if (ar.succeeded() && ar.result().statusCode() == 202) {
                ok[i] = true;
                accepted[i] = new String[] {token, ar.result().bodyAsJsonObject().getString("job_id")};
              } else {
                String key = ar.succeeded() ? errorKey(ar.result()) : "exception " + ar.cause().getClass().getSimpleName()
                    + ": " + ar.cause().getMessage();
                errors.merge(key, 1, Integer::sum);
              }
              window[1] = now;
            });
      });
    }, Math.max(120, n / 10), phase);

    int accepts = 0;
    List<Long> okLatencies = new ArrayList<>();
    List<String[]> jobs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (ok[i]) {
        accepts++;
        okLatencies.add(latencies[i]);
        jobs.add(accepted[i]);
      }
    }
    double wallS = (window[1] - window[0]) / 1e9;
    double rate = accepts / wallS;
    say("%s result: %d of %d submits answered 202 in %.3f s", phase, accepts, n, wallS);
    say("  enqueue rate: %.0f submits/s (202s only)%s", rate, verdict(phase, rate));
    say("  errors by status: %s", errors.isEmpty() ? "none" : errors);
    say("  submit response time (202s): %s", dist(okLatencies.stream().mapToLong(Long::longValue).toArray()));
    say("  submit response time (all):  %s", dist(latencies));
    return jobs;
  }

  /** Waits for pending and queued to reach 0; past the bound, cancels what is still queued and waits briefly. */
  private void drain(String token, List<String> tokens, int submitted, long phaseStart) throws Exception {
    say("drain: waiting (at most %d s) for the workers to run the %d queued jobs", o.drainTimeoutS, submitted);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.drainTimeoutS);
    long lastReport = 0;
    while (true) {
      JsonObject health = health(token);
      long pending = health.getLong("pending", -1L);
      long queued = health.getLong("queued", -1L);
      long now = System.nanoTime();
      if (pending == 0 && queued == 0) {
        double s = (now - phaseStart) / 1e9;
        say("drain: queue empty %.1f s after phase 1 began: %d jobs run by the workers in that time, %.1f jobs/s "
            + "(workers_alive %d)", s, submitted, submitted / s, health.getLong("workers_alive", -1L));
        return;
      }
      if (now - lastReport > TimeUnit.SECONDS.toNanos(15)) {
        lastReport = now;
        say("drain: %.0f s: pending %d, queued %d, workers_alive %d", (now - phaseStart) / 1e9, pending, queued,
            health.getLong("workers_alive", -1L));
      }
      if (now > deadline) {
        break;
      }
      Thread.sleep(1000);
    }
    say("drain: NOT drained within %d s; cancelling the phase-1 jobs still queued so that phase 2 measures an idle "
        + "queue", o.drainTimeoutS);
    Map<String, Integer> outcomes = onLoop(() -> queuedJobs(tokens).compose(this::cancelAll), 600, "cancelling");
    say("drain: cancel answers %s", outcomes);
    long second = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < second) {
      JsonObject health = health(token);
      if (health.getLong("pending", -1L) == 0 && health.getLong("queued", -1L) == 0) {
        say("drain: queue empty after cancelling");
        return;
      }
      Thread.sleep(1000);
    }
    say("drain: queue still not empty; phase 2 will include queueing delay");
  }

  private JsonObject health(String token) throws Exception {
    HttpResponse<Buffer> r = onLoop(() -> get("/api/jobs/health/", token), 30, "jobs health");
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET /api/jobs/health/ answered " + r.statusCode() + ": " + r.bodyAsString());
    }
    return r.bodyAsJsonObject();
  }

  /** Ends the code of warm-up jobs, so that run.sh's summary can leave them out (a comment in python and bash). */
  static final String WARMUP_MARK = "  # warm-up";

  /**
   * {@code --warmup-rounds} rounds of {@code --jobs} submits exactly like phase 1's, each cancelled right after, then
   * a wait for the workers to skip them: a JVM needs tens of thousands of requests before its JIT has compiled the
   * submit path, and a benchmark of a long-running service should measure it compiled.
   */
  private void warmup(List<String> tokens) throws Exception {
    for (int round = 1; round <= o.warmupRounds; round++) {
      submitRound(tokens, "warm-up " + round + "/" + o.warmupRounds, o.code + WARMUP_MARK);
      Map<String, Integer> outcomes = onLoop(() -> queuedJobs(tokens).compose(this::cancelAll), 600,
          "cancelling the warm-up jobs");
      say("  cancelled what was still queued: %s", outcomes);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (System.nanoTime() < deadline) {
      JsonObject health = health(tokens.get(0));
      if (health.getLong("pending", -1L) == 0 && health.getLong("queued", -1L) == 0) {
        say("warm-up: queue empty; load %s", loadAverage());
        return;
      }
      if (health.getLong("workers_alive", -1L) == 0) {
        say("warm-up: no worker is alive, so the cancelled warm-up jobs stay in the stream; load %s", loadAverage());
        return;
      }
      Thread.sleep(500);
    }
    say("warm-up: the queue still holds warm-up jobs after 300 s; phase 1 runs beside them");
  }

  /** {@code --jobs} submits of {@code code} with the {@code --client}; returns how many were accepted. */
  private int submitRound(List<String> tokens, String label, String code) throws Exception {
    return o.client.equals("wrk") ? enqueueWithWrk(tokens, label, code) : enqueuePhase(tokens, o.jobs, label, code).size();
  }

  /**
   * Phase 1 with wrk and bench/jobs/submit.lua: one wrk thread, {@code --concurrency} connections, stops once
   * {@code --jobs} answers have arrived. Returns the number of 202s.
   */
  private int enqueueWithWrk(List<String> tokens, String label, String code) throws Exception {
    Path tokenFile = Path.of(o.workDir, "jobs-bench-tokens-" + runId + ".txt");
    Files.write(tokenFile, tokens);
    Path script = Path.of(System.getProperty("bench.dir", "."), "submit.lua");
    List<String> command = List.of(o.wrk, "-t1", "-c" + o.concurrency, "-d" + Math.max(60, o.jobs / 10) + "s",
        "--timeout", "30s", "-s", script.toString(), "http://" + o.host + ":" + o.port);
    say("%s: %d jobs over %d users, %d connections, wrk: %s", label, o.jobs, tokens.size(), o.concurrency,
        String.join(" ", command));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(Map.of("TOKENS", tokenFile.toString(), "JOBS", Integer.toString(o.jobs),
        "BODY", new JsonObject().put("code", code).put("language", o.language).encode()));
    Map<String, Long> cpuBefore = cpuTicks(-1);
    Process wrk = builder.start();
    Map<String, Long> cpuAfter = new TreeMap<>();
    StringBuilder out = new StringBuilder();
    try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(wrk.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        out.append(line).append('\n');
        if (line.equals("wrk-done")) {
          cpuAfter.putAll(cpuTicks(wrk.pid()));
          interruptUntilExit(wrk);
        }
      }
    }
    wrk.waitFor();
    String output = out.toString();
    Files.deleteIfExists(tokenFile);
    String line = output.lines().filter(l -> l.startsWith("wrk-result ")).findFirst()
        .orElseThrow(() -> new IllegalStateException("wrk printed no result (exit " + wrk.exitValue() + "):\n" + output));
    JsonObject result = new JsonObject(line.substring("wrk-result ".length()));
    JsonObject statuses = result.getJsonObject("statuses");
    int accepted = statuses.getInteger("202", 0);
    long windowUs = result.getLong("window_us");
    if (windowUs <= 0) {
      throw new IllegalStateException("wrk stopped before " + o.jobs + " answers arrived:\n" + output);
    }
    double wallS = windowUs / 1e6;
    double rate = accepted / wallS;
    JsonObject lat = result.getJsonObject("latency_us");
    say("%s result: %d of %d submits answered 202 in %.3f s (from wrk's start to the last answer)",
        label, accepted, o.jobs, wallS);
    say("  enqueue rate: %.0f submits/s (202s only)%s", rate, verdict(label, rate));
    say("  answers by status: %s; socket errors: %s", statuses.encode(), result.getJsonObject("errors").encode());
    say("  submit response time: p50 %.1f  p90 %.1f  p95 %.1f  p99 %.1f  max %.1f ms", lat.getLong("p50") / 1e3,
        lat.getLong("p90") / 1e3, lat.getLong("p95") / 1e3, lat.getLong("p99") / 1e3, lat.getLong("max") / 1e3);
    if (!cpuAfter.isEmpty()) {
      int answered = statuses.fieldNames().stream().mapToInt(statuses::getInteger).sum();
      say("  CPU per answered submit, from /proc over the same window: %s",
          cpuPerRequest(cpuBefore, cpuAfter, answered, wallS));
    }
    return accepted;
  }

  /**
   * wrk sleeps until its -d has passed, unless interrupted: SIGINT (repeated, as the signal may reach a thread that
   * is still winding down rather than the sleeping one) ends the run, and wrk prints its statistics.
   */
  private static void interruptUntilExit(Process wrk) {
    Thread interrupter = new Thread(() -> {
      try {
        while (wrk.isAlive()) {
          Thread.sleep(200);
          new ProcessBuilder("kill", "-INT", Long.toString(wrk.pid())).start().waitFor();
        }
      } catch (Exception e) {
        wrk.destroy();
      }
    }, "wrk-interrupter");
    interrupter.setDaemon(true);
    interrupter.start();
  }

  /**
   * CPU time (utime + stime, clock ticks) of the processes named in {@code BENCH_WATCH} ("name=pid ..."), of all
   * PostgreSQL processes together, of wrk (when {@code wrkPid} > 0) and of the whole machine (/proc/stat).
   */
  private static Map<String, Long> cpuTicks(long wrkPid) {
    Map<String, Long> ticks = new TreeMap<>();
    for (String entry : System.getenv().getOrDefault("BENCH_WATCH", "").split(" ")) {
      int eq = entry.indexOf('=');
      if (eq > 0) {
        ticks.put(entry.substring(0, eq), processTicks(Long.parseLong(entry.substring(eq + 1))));
      }
    }
    long postgres = 0;
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          if (Files.readString(proc.resolve("comm")).strip().equals("postgres")) {
            postgres += processTicks(Long.parseLong(proc.getFileName().toString()));
          }
        } catch (IOException gone) {
          // exited meanwhile
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    ticks.put("postgres", postgres);
    if (wrkPid > 0) {
      ticks.put("wrk", processTicks(wrkPid));
    }
    try {
      String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < cpu.length; i++) {
        if (i != 4 && i != 5) { // all but idle and iowait
          busy += Long.parseLong(cpu[i]);
        }
      }
      ticks.put("machine", busy);
    } catch (IOException e) {
      // leave it out
    }
    return ticks;
  }

  private static long processTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** "nodeA 0.17 ms (62% of a core), ..." per accepted request; clock ticks are 10 ms (USER_HZ 100). */
  private static String cpuPerRequest(Map<String, Long> before, Map<String, Long> after, int requests, double seconds) {
    List<String> parts = new ArrayList<>();
    after.forEach((name, ticks) -> {
      long spent = ticks - before.getOrDefault(name, 0L);
      parts.add(String.format(Locale.ROOT, "%s %.3f ms (%.0f%% of a core)", name, spent * 10.0 / requests,
          spent / (seconds * 100) * 100));
    });
    return String.join(", ", parts);
  }

  /** The target verdict for the measured phase; nothing for warm-up rounds. */
  private String verdict(String label, double rate) {
    return !label.startsWith("phase") ? "" : String.format(Locale.ROOT, "  target >= %.0f/s: %s", o.targetRate,
        rate >= o.targetRate ? "MET" : "MISSED");
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Every job still queued, per user, as {token, id} pairs (from GET /api/jobs/?status=queued). */
  private Future<List<String[]>> queuedJobs(List<String> tokens) {
    List<Future<List<String[]>>> lists = tokens.stream()
        .map(token -> get("/api/jobs/?status=queued&limit=1000", token).map(r -> {
          List<String[]> jobs = new ArrayList<>();
          if (r.statusCode() == 200) {
            r.bodyAsJsonArray().forEach(job -> jobs.add(new String[] {token, ((JsonObject) job).getString("id")}));
          }
          return jobs;
        })).toList();
    return Future.all(lists).map(all -> lists.stream().flatMap(f -> f.result().stream()).toList());
  }

  private Future<Map<String, Integer>> cancelAll(List<String[]> jobs) {
    Map<String, Integer> outcomes = new TreeMap<>();
    return inLanes(jobs.size(), 32, i -> {
      String[] job = jobs.get(i);
      return postJson("/api/jobs/" + job[1] + "/cancel/", job[0], new JsonObject())
          .onComplete(ar -> outcomes.merge(ar.succeeded() ? errorKey(ar.result()) : "exception", 1, Integer::sum));
    }).map(outcomes);
  }

  // ---- phase 2 ------------------------------------------------------------------------------------------------

  /** One measured job: nanoTime stamps of its submit, 202, running event and final event. */
  private static final class Probe {
    final int index;
    final long sent;
    long accepted;
    long running;
    long finished;
    String jobId;
    String status;
    int outputEvents;
    final Promise<Void> done = Promise.promise();

    Probe(int index, long sent) {
      this.index = index;
      this.sent = sent;
    }

    void event(String status, long at) {
      if (status == null) {
        outputEvents++;
        return;
      }
      switch (status) {
        case "running" -> {
          if (running == 0) {
            running = at;
          }
        }
        case "succeeded", "failed", "cancelled" -> {
          if (finished == 0) {
            finished = at;
            this.status = status;
            done.tryComplete();
          }
        }
        default -> { }
      }
    }
  }

  /** A job event that came before the job's 202 (the socket can beat the HTTP answer). */
  private record Early(String status, long at) {}

  private void latencyPhase() throws Exception {
    int total = o.latencyWarmup + o.latencyJobs;
    say("phase 2 (end-to-end latency): %d measured jobs (+%d warm-up), %d in flight, one WebSocket", o.latencyJobs,
        o.latencyWarmup, o.latencyInflight);
    String name = "jb" + runId + "lat";
    String token = onLoop(() -> account(name), 120, "latency user setup");
    long projectId = onLoop(() -> postJson("/api/projects/projects/", token,
            new JsonObject().put("name", "jobs bench " + runId))
        .compose(r -> expect(r, 201, "create project", r.statusCode() == 201 ? r.bodyAsJsonObject().getLong("id") : 0L)),
        30, "create project");
    long workspaceId = onLoop(() -> postJson("/api/projects/workspaces/", token,
            new JsonObject().put("name", "jobs bench").put("project", projectId))
        .compose(r -> expect(r, 201, "create workspace", r.statusCode() == 201 ? r.bodyAsJsonObject().getLong("id") : 0L)),
        30, "create workspace");

    Map<String, Probe> byJob = new HashMap<>();
    Map<String, List<Early>> early = new HashMap<>();
    int[] otherMessages = {0};
    WebSocketClient wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
        .setMaxMessageSize(1 << 22));
    WebSocket socket = onLoop(() -> {
      Promise<Void> live = Promise.promise();
      return wsClient.connect(new WebSocketConnectOptions().setHost(o.host).setPort(o.port)
              .setURI("/ws/workspaces/" + workspaceId + "/?token=" + token))
          .compose(ws -> {
            ws.textMessageHandler(text -> {
              long at = System.nanoTime();
              JsonObject m;
              try {
                m = new JsonObject(text);
              } catch (RuntimeException e) {
                return;
              }
              if ("presence_state".equals(m.getString("type"))) {
                live.tryComplete();
                return;
              }
              if (!"job".equals(m.getString("type"))) {
                otherMessages[0]++;
                return;
              }
              String jobId = m.getString("job_id");
              Probe p = byJob.get(jobId);
              if (p == null) {
                early.computeIfAbsent(jobId, k -> new ArrayList<>()).add(new Early(m.getString("status"), at));
              } else {
                p.event(m.getString("status"), at);
              }
            });
            ws.closeHandler(v -> {
              live.tryFail("socket closed " + ws.closeStatusCode() + " " + ws.closeReason());
              byJob.values().forEach(p -> p.done.tryComplete());
            });
            return live.future().map(ws);
          });
    }, 30, "WebSocket connect");
    say("phase 2: user %s, workspace %d, socket open", name, workspaceId);

    Buffer body = new JsonObject().put("code", o.code).put("language", o.language).put("workspace_id", workspaceId)
        .toBuffer();
    List<Probe> probes = new ArrayList<>();
    Map<String, Integer> errors = new TreeMap<>();
    long phaseTimeout = Math.max(120, (long) total * o.probeTimeoutS / o.latencyInflight + 60);
    long started = System.nanoTime();
    onLoop(() -> inLanes(total, o.latencyInflight, i -> {
      Probe p = new Probe(i, System.nanoTime());
      probes.add(p);
      long timer = vertx.setTimer(TimeUnit.SECONDS.toMillis(o.probeTimeoutS), t -> {
        if (p.done.tryComplete()) {
          p.status = "timeout";
        }
      });
      http.post("/api/jobs/submit/").putHeader("content-type", "application/json")
          .putHeader("Authorization", "Bearer " + token).timeout(30_000).sendBuffer(body)
          .onComplete(ar -> {
            p.accepted = System.nanoTime();
            if (ar.failed() || ar.result().statusCode() != 202) {
              String key = ar.succeeded() ? errorKey(ar.result()) : "exception " + ar.cause().getMessage();
              errors.merge(key, 1, Integer::sum);
              p.status = "submit " + key;
              p.done.tryComplete();
              return;
            }
            p.jobId = ar.result().bodyAsJsonObject().getString("job_id");
            byJob.put(p.jobId, p);
            List<Early> before = early.remove(p.jobId);
            if (before != null) {
              before.forEach(e -> p.event(e.status(), e.at()));
            }
          });
      return p.done.future().onComplete(v -> vertx.cancelTimer(timer));
    }), phaseTimeout, "phase 2");
    double wallS = (System.nanoTime() - started) / 1e9;
    onLoop(() -> socket.close().recover(e -> Future.succeededFuture()), 10, "socket close");

    List<Probe> measured = probes.stream().filter(p -> p.index >= o.latencyWarmup).toList();
    Map<String, Integer> outcomes = new TreeMap<>();
    measured.forEach(p -> outcomes.merge(String.valueOf(p.status), 1, Integer::sum));
    List<Probe> good = measured.stream().filter(p -> "succeeded".equals(p.status)).toList();
    long[] e2e = good.stream().mapToLong(p -> p.finished - p.sent).toArray();
    long[] submit = good.stream().mapToLong(p -> p.accepted - p.sent).toArray();
    long[] toRunning = good.stream().filter(p -> p.running > 0).mapToLong(p -> p.running - p.sent).toArray();
    long[] runToDone = good.stream().filter(p -> p.running > 0).mapToLong(p -> p.finished - p.running).toArray();
    long withOutput = good.stream().filter(p -> p.outputEvents > 0).count();
    long[] sorted = e2e.clone();
    Arrays.sort(sorted);
    double p50 = pct(sorted, 50);
    say("phase 2 result: %d measured jobs in %.1f s; outcomes %s; submit errors %s", measured.size(), wallS, outcomes,
        errors.isEmpty() ? "none" : errors);
    say("  end-to-end submit -> succeeded event: %s", dist(e2e));
    say("  p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms  target p50 < %.0f ms: %s", p50, pct(sorted, 95),
        pct(sorted, 99), sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6, o.targetP50Ms,
        sorted.length > 0 && p50 < o.targetP50Ms ? "MET" : "MISSED");
    say("  breakdown, submit -> 202:                 %s", dist(submit));
    say("  breakdown, submit -> running event:       %s", dist(toRunning));
    say("  breakdown, running -> succeeded event:    %s", dist(runToDone));
    say("  output events seen for %d of %d succeeded jobs; other socket messages: %d", withOutput, good.size(),
        otherMessages[0]);
  }
}
