package io.collab.app;

import io.collab.config.NodeRole;
import io.collab.config.CollabConfig;
import io.collab.persistence.Migrations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
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
 *
 * <p>Then every node (in {@code dev} too) learns which deployment it belongs to ({@link #identify}).
 */
public final class Preflight {

  private static final long IDENTIFY_TIMEOUT_MS = 60_000;

  private Preflight() {}

  /**
   * Learns this node's deployment id, writes it to {@code deployment.id} in {@code json} and returns the settings
   * as the verticles will see them (the default key prefix derives from the id). Where the id comes from:
   * <ul>
   *   <li>persistence nodes apply the migrations (the first run records a new id) and read it from PostgreSQL;</li>
   *   <li>other nodes read it from PostgreSQL too, unless {@code deployment.id} pins it (nodes that cannot reach
   *       the database); a node that reads the database and has a pin refuses to start when the two differ.</li>
   * </ul>
   * Nodes that use Redis then claim {@code <keyPrefix>:deployment} for the id (first claim wins, kept for good), and
   * refuse to start when another deployment holds it: two deployments never share keys. Fails with one line.
   * Runs on the caller's (non Vert.x) thread.
   */
  public static CollabConfig identify(JsonObject json, CollabConfig config) {
    Vertx vertx = Vertx.vertx();
    try {
      String pinned = config.deployment().id();
      String recorded = null;
      if (config.has(NodeRole.PERSISTENCE) || pinned.isEmpty()) {
        recorded = recordedId(vertx, config, config.has(NodeRole.PERSISTENCE));
        if (recorded == null) {
          throw new IllegalStateException("PostgreSQL at " + config.pg().where() + " holds no deployment id yet: start"
              + " a node with the persistence role first, or set COLLAB_DEPLOYMENT_ID");
        }
      }
      if (recorded != null && !pinned.isEmpty() && !pinned.equals(recorded)) {
        throw new IllegalStateException("COLLAB_DEPLOYMENT_ID is " + pinned + " but PostgreSQL at "
            + config.pg().where() + " belongs to deployment " + recorded);
      }
      json.getJsonObject("deployment").put("id", recorded == null ? pinned : recorded);
      CollabConfig identified = CollabConfig.from(json);
      if (config.has(NodeRole.API) || config.has(NodeRole.REALTIME) || config.has(NodeRole.WORKER)) {
        claimRedis(vertx, identified);
      }
      return identified;
    } finally {
      vertx.close();
    }
  }

  /** The id in the {@code deployment} table; null when the table does not exist yet (and {@code migrate} is off). */
  private static String recordedId(Vertx vertx, CollabConfig config, boolean migrate) {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(config.pg().connectOptions())
        .using(vertx).build();
    Future<?> ready = migrate ? Migrations.apply(vertx, pool) : Future.succeededFuture();
    try {
      return ready.compose(v -> pool.query("SELECT id::text AS id FROM deployment").execute())
          .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getString("id") : null)
          .recover(err -> err instanceof PgException pg && "42P01".equals(pg.getSqlState())
              ? Future.succeededFuture(null) : Future.failedFuture(err))
          .eventually(pool::close)
          .timeout(IDENTIFY_TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .await();
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot read the deployment id from PostgreSQL at " + config.pg().where() + ": "
          + firstLine(e) + (migrate ? "" : " (set COLLAB_DEPLOYMENT_ID on nodes that cannot reach it)"));
    }
  }

  private static void claimRedis(Vertx vertx, CollabConfig config) {
    String key = config.redis().key("deployment");
    String id = config.deployment().id();
    Redis client = Redis.createClient(vertx, config.redis().options());
    String holder;
    try {
      holder = client.send(Request.cmd(Command.SET).arg(key).arg(id).arg("NX"))
          .compose(set -> client.send(Request.cmd(Command.GET).arg(key)))
          .map(reply -> reply == null ? null : reply.toString())
          .eventually(client::close)
          .timeout(config.redis().connectTimeoutMs() + 2_000L, TimeUnit.MILLISECONDS)
          .await();
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot record the deployment in Redis at " + config.redis().where() + ": "
          + firstLine(e));
    }
    if (!id.equals(holder)) {
      throw new IllegalStateException("Redis " + config.redis().where() + "/" + config.redis().database()
          + " key prefix '" + config.redis().keyPrefix() + "' belongs to deployment " + holder + "; this node is "
          + "deployment " + id + ": give each deployment its own COLLAB_REDIS_KEY_PREFIX or Redis database (or delete"
          + " the key " + key + " if that deployment is gone for good)");
    }
  }

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
