package io.collab.support;

import io.collab.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The real PostgreSQL and Redis the tests talk to: the servers named by {@code COLLAB_TEST_PG_URL} and
 * {@code COLLAB_TEST_REDIS_URL} when set (as CI sets them), embedded ones started once per test JVM otherwise.
 * Each caller of {@link #freshDatabase()} gets a database of its own, so test classes never see each other's rows.
 */
public final class TestServices {

  private static final Set<Integer> GIVEN_PORTS = new HashSet<>();
  private static String pgBaseUrl;
  private static String redisUrl;
  /** Starts at a random database, so test JVMs running side by side on one Redis rarely share one. */
  private static int nextRedisDb = new Random().nextInt(15);

  private TestServices() {}

  public static synchronized String pgBaseUrl() {
    if (pgBaseUrl == null) {
      pgBaseUrl = fromEnvironment("COLLAB_TEST_PG_URL", TestServices::startEmbeddedPostgres);
    }
    return pgBaseUrl;
  }

  public static synchronized String redisUrl() {
    if (redisUrl == null) {
      redisUrl = fromEnvironment("COLLAB_TEST_REDIS_URL", TestServices::startEmbeddedRedis);
    }
    return redisUrl;
  }

  /** The URL the environment variable names, or else that of a server started now for this JVM. */
  private static String fromEnvironment(String variable, Supplier<String> startOne) {
    String fromEnv = System.getenv(variable);
    return fromEnv != null && !fromEnv.isBlank() ? fromEnv : startOne.get();
  }

  private static String startEmbeddedPostgres() {
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(pg)));
      return "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String startEmbeddedRedis() {
    RedisServer server = startRedis(freePort());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopQuietly(server)));
    return "redis://127.0.0.1:" + server.ports().get(0);
  }

  /**
   * A Redis URL naming one of the logical databases 1 to 15 (0 is left to whatever else uses the server), emptied
   * first. Handed out round-robin: test classes run one after another, so neighbours never share one.
   */
  public static synchronized String freshRedisDatabase() {
    nextRedisDb = nextRedisDb % 15 + 1;
    String url = redisUrl().replaceFirst("/\\d+$", "") + "/" + nextRedisDb;
    Vertx vertx = Vertx.vertx();
    try {
      Redis client = Redis.createClient(vertx, url);
      client.send(Request.cmd(Command.FLUSHDB)).await();
      client.close();
    } finally {
      vertx.close().await();
    }
    return url;
  }

  /** Creates an empty database on the test PostgreSQL server and returns its URL. */
  public static String freshDatabase() {
    String name = "collab_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    URI base = URI.create(pgBaseUrl());
    try (Connection conn = DriverManager.getConnection(jdbcUrl(base), user(base), password(base));
         Statement st = conn.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create a test database on " + base.getHost() + ":" + base.getPort(), e);
    }
    String userInfo = base.getUserInfo() == null ? "" : base.getUserInfo() + "@";
    return "postgresql://" + userInfo + base.getHost() + ":" + port(base) + "/" + name;
  }

  /**
   * The shipped defaults pointed at the test services, on a free HTTP port, in a cluster of its own, with a Redis
   * logical database of its own (rate-limit counters of one test never throttle another), generous rate limits
   * (tests of the limits set their own) and a cheap Argon2 cost (tests of hashing set their own).
   */
  public static JsonObject config() {
    JsonObject config = ConfigLoader.defaults();
    config.getJsonObject("http").put("port", freePort()).put("instances", 1).put("host", "127.0.0.1");
    config.getJsonObject("pg").put("url", freshDatabase());
    config.getJsonObject("redis").put("url", freshRedisDatabase());
    config.getJsonObject("rateLimit").put("loginPerWindow", 100_000).put("registerPerWindow", 100_000)
        .put("userPerWindow", 1_000_000);
    config.getJsonObject("auth").put("argon2MemoryKib", 1024).put("argon2Iterations", 1);
    config.getJsonObject("jwt").put("secret", "test-secret-" + UUID.randomUUID() + UUID.randomUUID());
    config.getJsonObject("cluster").put("name", "collab-test-" + UUID.randomUUID());
    return config;
  }

  public static RedisServer startRedis(int port) {
    try {
      RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port)
          .setting("save \"\"").setting("appendonly no").build();
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A port nothing listens on now and that this JVM has not handed out before. */
  public static synchronized int freePort() {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0)) {
        if (GIVEN_PORTS.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static String jdbcUrl(URI base) {
    return "jdbc:postgresql://" + base.getHost() + ":" + port(base) + base.getPath();
  }

  private static int port(URI uri) {
    return uri.getPort() < 0 ? 5432 : uri.getPort();
  }

  private static String user(URI uri) {
    String info = uri.getUserInfo();
    if (info == null) {
      return "postgres";
    }
    int colon = info.indexOf(':');
    return colon < 0 ? info : info.substring(0, colon);
  }

  private static String password(URI uri) {
    String info = uri.getUserInfo();
    int colon = info == null ? -1 : info.indexOf(':');
    return colon < 0 ? "" : info.substring(colon + 1);
  }

  private static void closeQuietly(EmbeddedPostgres pg) {
    try {
      pg.close();
    } catch (IOException ignored) {
      // JVM is exiting
    }
  }

  public static void stopQuietly(RedisServer server) {
    try {
      server.stop();
    } catch (IOException | RuntimeException ignored) {
      // best effort
    }
  }
}
