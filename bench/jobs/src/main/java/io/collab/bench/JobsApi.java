package io.collab.bench;

import io.collab.bench.common.BenchRuns;
import io.collab.bench.common.Host;
import io.collab.bench.common.RestClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The jobs API as the benchmark uses it, on its one event-loop context: accounts, submits, the queue's health, the
 * queued jobs and their cancellation. The phases call it from the main thread through {@link #onLoop}.
 */
final class JobsApi {

  final Vertx vertx;
  /** The API node, with a connection pool as large as the phases' requests in flight. */
  final WebClient http;
  private final Context ctx;
  private final Host host;
  private final RestClient rest;

  JobsApi(Vertx vertx, JobsOptions o) {
    this.vertx = vertx;
    this.host = new Host(o.host, o.port);
    this.http = WebClient.create(vertx,
        new WebClientOptions().setDefaultHost(o.host).setDefaultPort(o.port).setKeepAlive(true).setTcpNoDelay(true)
            .setConnectTimeout(5000).setUserAgentEnabled(false),
        new PoolOptions().setHttp1MaxSize(Math.max(o.concurrency, o.latencyInflight) + 16).setMaxWaitQueueSize(-1));
    this.rest = new RestClient(vertx);
    this.ctx = vertx.getOrCreateContext();
  }

  RestClient rest() {
    return rest;
  }

  Host host() {
    return host;
  }

  /** Runs {@code work} on the bench's one event-loop context and waits (bounded) for its result. */
  <T> T onLoop(Supplier<Future<T>> work, long timeoutS, String what) throws Exception {
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

  Future<HttpResponse<Buffer>> postJson(String path, String token, JsonObject body) {
    var request = http.post(path).putHeader("content-type", "application/json").timeout(30_000);
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    return request.sendBuffer(body.toBuffer());
  }

  Future<HttpResponse<Buffer>> get(String path, String token) {
    return http.get(path).putHeader("Authorization", "Bearer " + token).timeout(30_000).send();
  }

  /** {@code POST /api/jobs/submit/} of a ready-made JSON body. */
  Future<HttpResponse<Buffer>> submit(String token, Buffer body) {
    return http.post("/api/jobs/submit/").putHeader("content-type", "application/json")
        .putHeader("Authorization", "Bearer " + token).timeout(30_000).sendBuffer(body);
  }

  /** Registers and logs in one user; completes with the access token. */
  Future<String> account(String name) {
    return rest.account(host, name + "@bench.example", name);
  }

  /** {@code count} accounts, at most 8 registrations at once (Argon2 runs on the server's worker threads). */
  Future<List<String>> accounts(String prefix, int count) {
    String[] tokens = new String[count];
    List<Throwable> failures = new ArrayList<>();
    return BenchRuns.inLanes(count, 8, i -> account(prefix + i)
            .onSuccess(token -> tokens[i] = token)
            .onFailure(failures::add))
        .compose(all -> failures.isEmpty() ? Future.succeededFuture(List.of(tokens))
            : Future.failedFuture(failures.get(0)));
  }

  JsonObject health(String token) throws Exception {
    HttpResponse<Buffer> r = onLoop(() -> get("/api/jobs/health/", token), 30, "jobs health");
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET /api/jobs/health/ answered " + r.statusCode() + ": " + r.bodyAsString());
    }
    return r.bodyAsJsonObject();
  }

  /** Every job still queued, per user, as {token, id} pairs (from GET /api/jobs/?status=queued). */
  Future<List<String[]>> queuedJobs(List<String> tokens) {
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

  Future<Map<String, Integer>> cancelAll(List<String[]> jobs) {
    Map<String, Integer> outcomes = new TreeMap<>();
    return BenchRuns.inLanes(jobs.size(), 32, i -> {
      String[] job = jobs.get(i);
      return postJson("/api/jobs/" + job[1] + "/cancel/", job[0], new JsonObject())
          .onComplete(ar -> outcomes.merge(ar.succeeded() ? errorKey(ar.result()) : "exception", 1, Integer::sum));
    }).map(outcomes);
  }

  static String errorKey(HttpResponse<Buffer> response) {
    String code = "";
    try {
      JsonObject body = response.bodyAsJsonObject();
      code = body == null ? "" : " " + body.getString("error", "");
    } catch (RuntimeException notJson) {
      // keep the status alone
    }
    return response.statusCode() + code;
  }
}
