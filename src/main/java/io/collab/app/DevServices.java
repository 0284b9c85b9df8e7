package io.collab.app;

import io.collab.config.ConfigException;
import io.vertx.core.json.JsonObject;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * What {@code dev} starts so that nothing has to be installed: an embedded PostgreSQL whose data lives under the
 * data dir (users and projects survive a restart), an embedded Redis, and a JWT secret generated once and kept in
 * the data dir. A {@code COLLAB_PG_URL} or {@code COLLAB_REDIS_URL} set by the user wins over the embedded server.
 */
public final class DevServices implements AutoCloseable {

  private EmbeddedPostgres postgres;
  private RedisServer redis;

  /** Starts what is needed and points {@code config} at it. */
  public static DevServices start(JsonObject config, Map<String, String> env) {
    DevServices services = new DevServices();
    try {
      Path dataDir = Path.of(config.getJsonObject("data").getString("dir")).toAbsolutePath().normalize();
      Files.createDirectories(dataDir);
      if (!env.containsKey("COLLAB_PG_URL")) {
        services.postgres = startPostgres(dataDir.resolve("postgres"));
        config.getJsonObject("pg").put("url", "postgresql://postgres@127.0.0.1:" + services.postgres.getPort() + "/postgres");
      }
      if (!env.containsKey("COLLAB_REDIS_URL")) {
        services.redis = startRedis();
        config.getJsonObject("redis").put("url", "redis://127.0.0.1:" + services.redis.ports().get(0));
      }
      if (config.getJsonObject("jwt").getString("secret", "").isEmpty()) {
        config.getJsonObject("jwt").put("secret", devSecret(dataDir.resolve("jwt-secret")));
      }
      return services;
    } catch (IOException | RuntimeException e) {
      services.close();
      throw new ConfigException("dev: cannot start the embedded services: " + e.getMessage());
    }
  }

  private static EmbeddedPostgres startPostgres(Path dir) throws IOException {
    return EmbeddedPostgres.builder()
        .setDataDirectory(dir)
        .setCleanDataDirectory(false)
        .setPort(freePort())
        .setPGStartupWait(Duration.ofSeconds(60))
        .setRegisterShutdownHook(false)
        .start();
  }

  private static RedisServer startRedis() throws IOException {
    RedisServer server = RedisServer.newRedisServer()
        .bind("127.0.0.1")
        .port(freePort())
        .setting("save \"\"")
        .setting("appendonly no")
        .build();
    server.start();
    return server;
  }

  /** A random secret, written once with owner-only permissions, so tokens survive a dev restart. */
  private static String devSecret(Path file) throws IOException {
    if (Files.isRegularFile(file)) {
      return Files.readString(file).trim();
    }
    byte[] bytes = new byte[48];
    new SecureRandom().nextBytes(bytes);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Files.writeString(file, secret);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system: the data dir's own permissions apply
    }
    return secret;
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (redis != null) {
      try {
        redis.stop();
      } catch (IOException | RuntimeException ignored) {
        // shutting down anyway
      }
    }
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException | RuntimeException ignored) {
        // shutting down anyway
      }
    }
  }
}
