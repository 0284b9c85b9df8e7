package io.collab.app;

import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.RedisOptions;

import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Every setting, typed, read once from the JSON that {@link ConfigLoader} assembled. Verticles receive the JSON as
 * their deployment config and call {@link #from(JsonObject)} in {@code start()}.
 */
public record CollabConfig(
    Http http,
    Pg pg,
    RedisSettings redis,
    Jwt jwt,
    Set<Role> roles,
    Cluster cluster,
    Path dataDir,
    long healthCheckTimeoutMs,
    long busRequestTimeoutMs,
    String logFormat,
    JsonObject raw) {

  public record Http(String host, int port, int instances, long bodyLimit, String publicUrl) {}

  public record Pg(String url, int poolSize, int connectTimeoutMs) {
    public PgConnectOptions connectOptions() {
      PgConnectOptions options;
      try {
        options = PgConnectOptions.fromUri(url);
      } catch (RuntimeException e) {
        throw new ConfigException("pg.url: not a postgresql:// URL: " + e.getMessage());
      }
      // PgBuilder ignores NetClientOptions in 5.0.7 (vert.x#5901) and PgConnectOptions has no connect timeout:
      // connectTimeoutMs bounds the wait for a pooled connection instead (PersistenceVerticle, Preflight).
      options.setCachePreparedStatements(true).setPipeliningLimit(256);
      return options;
    }

    /** Where, without the password: {@code 127.0.0.1:5432/collab}. */
    public String where() {
      PgConnectOptions o = connectOptions();
      return o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
    }
  }

  public record RedisSettings(String url, int poolSize, int poolWaiting, int connectTimeoutMs) {
    public RedisOptions options() {
      return new RedisOptions()
          .setConnectionString(url)
          .setMaxPoolSize(poolSize)
          .setMaxPoolWaiting(poolWaiting)
          .setNetClientOptions(new NetClientOptions().setConnectTimeout(connectTimeoutMs).setTcpNoDelay(true));
    }

    /** Where, without the password: {@code 127.0.0.1:6379}. */
    public String where() {
      try {
        URI uri = URI.create(url);
        return uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort());
      } catch (IllegalArgumentException e) {
        return "(unparseable redis.url)";
      }
    }
  }

  public record Jwt(String secret, String issuer, String audience) {}

  public record Cluster(String name, List<String> members, String host, int port) {}

  public static CollabConfig from(JsonObject json) {
    JsonObject http = section(json, "http");
    JsonObject pg = section(json, "pg");
    JsonObject redis = section(json, "redis");
    JsonObject jwt = section(json, "jwt");
    JsonObject cluster = section(json, "cluster");
    return new CollabConfig(
        new Http(
            http.getString("host"),
            port("http.port", http.getInteger("port")),
            atLeast("http.instances", http.getInteger("instances"), 0),
            atLeast("http.bodyLimit", http.getLong("bodyLimit"), 1),
            http.getString("publicUrl", "")),
        new Pg(pg.getString("url"), atLeast("pg.poolSize", pg.getInteger("poolSize"), 1),
            atLeast("pg.connectTimeoutMs", pg.getInteger("connectTimeoutMs"), 1)),
        new RedisSettings(redis.getString("url"), atLeast("redis.poolSize", redis.getInteger("poolSize"), 1),
            atLeast("redis.poolWaiting", redis.getInteger("poolWaiting"), 1),
            atLeast("redis.connectTimeoutMs", redis.getInteger("connectTimeoutMs"), 1)),
        new Jwt(jwt.getString("secret", ""), jwt.getString("issuer"), jwt.getString("audience")),
        Role.parseList(json.getString("roles")),
        new Cluster(cluster.getString("name"), list(cluster.getString("members")), cluster.getString("host"),
            port("cluster.port", cluster.getInteger("port"))),
        Path.of(section(json, "data").getString("dir")),
        atLeast("health.checkTimeoutMs", section(json, "health").getLong("checkTimeoutMs"), 1),
        atLeast("bus.requestTimeoutMs", section(json, "bus").getLong("requestTimeoutMs"), 1),
        section(json, "log").getString("format", ""),
        json);
  }

  public boolean has(Role role) {
    return roles.contains(role);
  }

  private static JsonObject section(JsonObject json, String name) {
    JsonObject section = json.getJsonObject(name);
    if (section == null) {
      throw new ConfigException("missing section '" + name + "' in the configuration");
    }
    return section;
  }

  private static int port(String name, Integer value) {
    if (value == null || value < 0 || value > 65535) {
      throw new ConfigException(name + " must be a port number (0-65535), got " + value);
    }
    return value;
  }

  private static int atLeast(String name, Integer value, int min) {
    if (value == null || value < min) {
      throw new ConfigException(name + " must be at least " + min + ", got " + value);
    }
    return value;
  }

  private static long atLeast(String name, Long value, long min) {
    if (value == null || value < min) {
      throw new ConfigException(name + " must be at least " + min + ", got " + value);
    }
    return value;
  }

  private static List<String> list(String commaList) {
    return Arrays.stream(commaList.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
