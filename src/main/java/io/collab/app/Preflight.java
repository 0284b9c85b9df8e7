package io.collab.app;

import io.collab.config.NodeRole;
import io.collab.config.CollabConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Before joining the cluster, {@code start} checks that what this instance's roles need answers: PostgreSQL for
 * persistence, Redis for everything else. Failing here, in a few seconds and with one clear line, beats joining the
 * cluster and failing half-deployed.
 */
final class Preflight {

  private Preflight() {}

  /** One line per unreachable dependency; empty when all answered. Runs on the caller's (non Vert.x) thread. */
  static List<String> problems(CollabConfig config) {
    Vertx vertx = Vertx.vertx();
    try {
      List<Future<?>> checks = new ArrayList<>();
      List<String> names = new ArrayList<>();
      if (config.has(NodeRole.PERSISTENCE)) {
        names.add("PostgreSQL at " + config.pg().where());
        checks.add(postgres(vertx, config).timeout(config.pg().connectTimeoutMs() + 2_000L, TimeUnit.MILLISECONDS));
      }
      if (config.has(NodeRole.API) || config.has(NodeRole.REALTIME) || config.has(NodeRole.WORKER)) {
        names.add("Redis at " + config.redis().where());
        checks.add(redis(vertx, config).timeout(config.redis().connectTimeoutMs() + 2_000L, TimeUnit.MILLISECONDS));
      }
      try {
        Future.join(checks).await();
      } catch (Exception ignored) {
        // inspected one by one below
      }
      List<String> problems = new ArrayList<>();
      for (int i = 0; i < checks.size(); i++) {
        if (checks.get(i).failed()) {
          problems.add(names.get(i) + " is unreachable: " + firstLine(checks.get(i).cause()));
        }
      }
      return problems;
    } finally {
      vertx.close();
    }
  }

  private static Future<?> postgres(Vertx vertx, CollabConfig config) {
    return PgConnection.connect(vertx, config.pg().connectOptions())
        .compose(conn -> conn.query("SELECT 1").execute().eventually(conn::close));
  }

  private static Future<?> redis(Vertx vertx, CollabConfig config) {
    Redis client = Redis.createClient(vertx, config.redis().options());
    return client.send(Request.cmd(Command.PING)).eventually(client::close);
  }

  private static String firstLine(Throwable error) {
    String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
