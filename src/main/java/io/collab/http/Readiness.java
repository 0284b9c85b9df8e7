package io.collab.http;

import io.collab.config.CollabConfig;
import io.collab.config.NodeRole;
import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.collab.jobs.JobWorkerVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Readiness: PostgreSQL answers (through a persistence verticle, wherever it runs in the cluster), Redis answers,
 * and every verticle this instance's roles call for is deployed. Each check is bounded by
 * {@code health.checkTimeoutMs}, so a hung dependency makes the probe fail, not hang.
 */
final class Readiness {

  private final Vertx vertx;
  private final CollabConfig config;
  private final Redis redis;
  private final BusClient bus;
  private final Map<String, Supplier<Future<?>>> checks = new LinkedHashMap<>();

  Readiness(CollabConfig config, Redis redis, BusClient bus, Vertx vertx) {
    this.vertx = vertx;
    this.config = config;
    this.redis = redis;
    this.bus = bus;
    checks.put("postgres", this::postgres);
    checks.put("redis", this::redis);
    checks.put("verticles", this::verticles);
    if (config.has(NodeRole.WORKER)) {
      checks.put("jobs", this::jobs);
    }
  }

  /** Completes with {@code {"status": "UP"|"DOWN", "checks": {...}}}; never fails. */
  Future<JsonObject> run() {
    Map<String, Future<?>> running = new LinkedHashMap<>();
    checks.forEach((name, check) -> running.put(name, guarded(check)));
    return Future.join(running.values().stream().map(f -> (Future<?>) f).toList())
        .transform(ignored -> Future.succeededFuture(report(running)));
  }

  private Future<?> guarded(Supplier<Future<?>> check) {
    try {
      return check.get().timeout(config.healthCheckTimeoutMs(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private static JsonObject report(Map<String, Future<?>> results) {
    JsonObject checks = new JsonObject();
    StringBuilder failing = new StringBuilder();
    results.forEach((name, result) -> {
      if (result.succeeded()) {
        checks.put(name, new JsonObject().put("status", "UP"));
      } else {
        String why = String.valueOf(result.cause().getMessage());
        checks.put(name, new JsonObject().put("status", "DOWN").put("detail", why));
        failing.append(failing.length() == 0 ? "" : "; ").append(name).append(": ").append(why);
      }
    });
    JsonObject body = new JsonObject().put("status", failing.length() == 0 ? "UP" : "DOWN").put("checks", checks);
    if (failing.length() > 0) {
      body.put("error", "not_ready").put("detail", failing.toString());
    }
    return body;
  }

  private Future<?> postgres() {
    return bus.request(Bus.PERSISTENCE_PING, new JsonObject());
  }

  private Future<?> redis() {
    return redis.send(Request.cmd(Command.PING));
  }

  /**
   * A worker whose circuit breaker is open takes no jobs: not ready. (A missing sandbox is reported by
   * {@code GET /api/jobs/health/} and the worker's log instead: it must not take a dev instance out of service.)
   */
  private Future<?> jobs() {
    LocalMap<String, Object> state = vertx.sharedData().getLocalMap(Bus.JOBS_STATE_MAP);
    return "OPEN".equals(state.get("breaker")) ? Future.failedFuture("job circuit breaker OPEN: workers paused")
        : Future.succeededFuture();
  }

  private Future<?> verticles() {
    LocalMap<String, String> deployed = vertx.sharedData().getLocalMap(Bus.DEPLOYMENTS_MAP);
    StringBuilder missing = new StringBuilder();
    for (NodeRole role : config.roles()) {
      if (!deployed.containsKey(role.key())) {
        missing.append(missing.length() == 0 ? "" : ",").append(role.key());
      }
    }
    return missing.length() == 0 ? Future.succeededFuture()
        : Future.failedFuture("not deployed: " + missing);
  }
}
