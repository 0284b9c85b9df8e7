package io.collab.config;

import io.collab.common.BoundedRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every setting, typed, read once from the JSON that {@link ConfigLoader} assembled. Verticles receive the JSON as
 * their deployment config and call {@link #from(JsonObject)} in {@code start()}.
 */
public record CollabConfig(
    Http http,
    Pg pg,
    RedisSettings redis,
    Jwt jwt,
    Auth auth,
    RateLimits rateLimit,
    Api api,
    Realtime realtime,
    Jobs jobs,
    Files files,
    Set<NodeRole> roles,
    Cluster cluster,
    Deployment deployment,
    Path dataDir,
    long healthCheckTimeoutMs,
    long busRequestTimeoutMs,
    String logFormat,
    JsonObject raw) {

  public record Http(String host, int port, int instances, long bodyLimit, String publicUrl,
                     boolean trustForwardedFor) {}

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

  /**
   * @param keyPrefix what every key and channel of this deployment starts with, followed by {@code :}; resolved
   *     (never empty): {@code redis.keyPrefix} when set, else {@code collab:} and the first 8 characters of the
   *     deployment id, else (no id known, as in tests that deploy the verticles directly) {@code collab}
   * @param commandTimeoutMs longest wait for any Redis reply; past it the caller answers at once (503, or fails open
   *     where it chose to), so a frozen Redis never freezes requests
   */
  public record RedisSettings(String url, int poolSize, int poolWaiting, int connectTimeoutMs, String keyPrefix,
                              long commandTimeoutMs) {

    /** The client every pooled Redis use goes through: bounded by {@link #commandTimeoutMs}. */
    public Redis client(Vertx vertx) {
      return new BoundedRedis(Redis.createClient(vertx, options()), commandTimeoutMs);
    }

    public RedisOptions options() {
      return RedisUrl.parse(url).applyTo(new RedisOptions()
          .setMaxPoolSize(poolSize)
          .setMaxPoolWaiting(poolWaiting)
          .setNetClientOptions(new NetClientOptions().setConnectTimeout(connectTimeoutMs).setTcpNoDelay(true)));
    }

    /** A key or channel of this deployment: {@code <keyPrefix>:<name>}. */
    public String key(String name) {
      return keyPrefix + ":" + name;
    }

    /** The logical database the URL selects ({@code redis://host:port/3}, {@code redis-sentinel://…/mymaster/3}). */
    public int database() {
      return RedisUrl.parse(url).database();
    }

    /**
     * Where, without the password: {@code 127.0.0.1:6379}, or for a Sentinel deployment the sorted sentinels and the
     * master name, {@code redis-sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster} (part of the deployment identity,
     * which must not change when a failover moves the master).
     */
    public String where() {
      return RedisUrl.parse(url).where();
    }
  }

  /** Token signing: HS256 with {@code secret}, or RS256/ES256 with PEM key files. */
  public record Jwt(String secret, String issuer, String audience, String algorithm, String privateKeyFile,
                    String publicKeyFile, int accessTtlSeconds, int refreshTtlSeconds) {}

  /** Password rules and Argon2id cost. */
  /**
   * @param activeUserCacheMs how long an instance trusts that a token's user exists and is active before asking
   *     PostgreSQL again (0: ask on every request); a deactivation takes effect within this time
   * @param activeUserCacheEntries most users an HTTP verticle instance remembers at once
   */
  public record Auth(int passwordMinLength, int argon2MemoryKib, int argon2Iterations, int argon2Parallelism,
                     long activeUserCacheMs, int activeUserCacheEntries) {}

  /** Fixed windows counted in Redis, so they hold across instances. */
  public record RateLimits(int windowSeconds, int loginPerWindow, int registerPerWindow, int userPerWindow) {}

  /** REST behaviour: the largest page a list answers with. */
  public record Api(int maxPageSize) {}

  /** Socket limits, history and presence. */
  public record Realtime(int maxFrameBytes, int messagesPerSecond, int maxDroppedBeforeClose, int outboundQueueBytes,
                         int pingIntervalSeconds, int idleTimeoutSeconds, int historyLength,
                         int historyMaxAgeSeconds, int presenceTtlSeconds, Set<String> viewerEvents,
                         boolean compression, int userCheckSeconds) {}

  /** The job queue, the sandbox limits and the retry policy. */
  public record Jobs(String sandbox, Set<String> languages, int maxCodeBytes, int defaultTimeoutMs, int maxTimeoutMs,
                     int cpuSeconds, long memoryBytes, int maxProcesses, int maxOutputBytes, long tmpBytes, int niceness,
                     int concurrency, long leaseMs, int maxAttempts, long retryInitialDelayMs, long retryMaxDelayMs,
                     int breakerMaxFailures, long breakerResetMs, int maxActivePerUser, long streamMaxLength,
                     long workspaceBytes, int reconcileSeconds) {}

  /**
   * Workspace files and their collaborative editing.
   *
   * @param maxBytes largest file, in UTF-8 bytes, after any create, replace or accepted edit
   * @param maxPerWorkspace most files one workspace holds
   * @param historyLength updates kept per file for {@code doc_pull} (older ones are trimmed; a pull from before them
   *     answers {@code doc_reload})
   * @param pushBatchSize most pushes one node commits in one transaction ({@code DocumentStore})
   */
  public record Files(int maxBytes, int maxPerWorkspace, int historyLength, int pushBatchSize) {}

  public record Cluster(String name, List<String> members, String host, int port) {}

  /**
   * Which deployment this node belongs to.
   *
   * @param id the deployment id recorded in PostgreSQL ({@code V7__deployment.sql}); empty in the configuration
   *     unless an operator pins it, filled in by the launcher before the verticles are deployed
   */
  public record Deployment(String id) {}

  private static final Pattern UUID_SHAPE =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern KEY_PREFIX_SHAPE = Pattern.compile("[A-Za-z0-9._:-]{0,63}[A-Za-z0-9._-]");

  public static CollabConfig from(JsonObject json) {
    JsonObject http = section(json, "http");
    JsonObject pg = section(json, "pg");
    JsonObject redis = section(json, "redis");
    JsonObject jwt = section(json, "jwt");
    JsonObject auth = section(json, "auth");
    JsonObject rateLimit = section(json, "rateLimit");
    JsonObject cluster = section(json, "cluster");
    String deploymentId = deploymentId(section(json, "deployment").getString("id", ""));
    return new CollabConfig(
        new Http(
            http.getString("host"),
            port("http.port", http.getInteger("port")),
            atLeast("http.instances", http.getInteger("instances"), 0),
            atLeast("http.bodyLimit", http.getLong("bodyLimit"), 1),
            http.getString("publicUrl", ""),
            http.getBoolean("trustForwardedFor", false)),
        new Pg(pg.getString("url"), atLeast("pg.poolSize", pg.getInteger("poolSize"), 1),
            atLeast("pg.connectTimeoutMs", pg.getInteger("connectTimeoutMs"), 1)),
        redisSettings(redis, deploymentId),
        new Jwt(jwt.getString("secret", ""), jwt.getString("issuer"), jwt.getString("audience"),
            algorithm(jwt.getString("algorithm")), jwt.getString("privateKeyFile", ""),
            jwt.getString("publicKeyFile", ""),
            atLeast("jwt.accessTtlSeconds", jwt.getInteger("accessTtlSeconds"), 1),
            atLeast("jwt.refreshTtlSeconds", jwt.getInteger("refreshTtlSeconds"), 1)),
        new Auth(atLeast("auth.passwordMinLength", auth.getInteger("passwordMinLength"), 1),
            atLeast("auth.argon2MemoryKib", auth.getInteger("argon2MemoryKib"), 8),
            atLeast("auth.argon2Iterations", auth.getInteger("argon2Iterations"), 1),
            atLeast("auth.argon2Parallelism", auth.getInteger("argon2Parallelism"), 1),
            atLeast("auth.activeUserCacheMs", auth.getLong("activeUserCacheMs"), 0),
            atLeast("auth.activeUserCacheEntries", auth.getInteger("activeUserCacheEntries"), 1)),
        new RateLimits(atLeast("rateLimit.windowSeconds", rateLimit.getInteger("windowSeconds"), 1),
            atLeast("rateLimit.loginPerWindow", rateLimit.getInteger("loginPerWindow"), 1),
            atLeast("rateLimit.registerPerWindow", rateLimit.getInteger("registerPerWindow"), 1),
            atLeast("rateLimit.userPerWindow", rateLimit.getInteger("userPerWindow"), 1)),
        new Api(atLeast("api.maxPageSize", section(json, "api").getInteger("maxPageSize"), 1)),
        realtime(section(json, "realtime")),
        jobs(section(json, "jobs")),
        files(section(json, "files")),
        NodeRole.parseList(json.getString("roles")),
        new Cluster(cluster.getString("name"), list(cluster.getString("members")), cluster.getString("host"),
            port("cluster.port", cluster.getInteger("port"))),
        new Deployment(deploymentId),
        Path.of(section(json, "data").getString("dir")),
        atLeast("health.checkTimeoutMs", section(json, "health").getLong("checkTimeoutMs"), 1),
        atLeast("bus.requestTimeoutMs", section(json, "bus").getLong("requestTimeoutMs"), 1),
        section(json, "log").getString("format", ""),
        json);
  }

  /**
   * The name of this node's Micrometer registry, for {@code /metrics} and the application's own meters: named after
   * the cluster because registries are per JVM, and a second Vert.x in one JVM (tests) must not share or remove it.
   */
  public String metricsRegistry() {
    return "collab-" + cluster().name();
  }

  public boolean has(NodeRole role) {
    return roles.contains(role);
  }

  private static JsonObject section(JsonObject json, String name) {
    JsonObject section = json.getJsonObject(name);
    if (section == null) {
      throw new ConfigException("missing section '" + name + "' in the configuration");
    }
    return section;
  }

  private static Realtime realtime(JsonObject rt) {
    return new Realtime(
        atLeast("realtime.maxFrameBytes", rt.getInteger("maxFrameBytes"), 256),
        atLeast("realtime.messagesPerSecond", rt.getInteger("messagesPerSecond"), 1),
        atLeast("realtime.maxDroppedBeforeClose", rt.getInteger("maxDroppedBeforeClose"), 1),
        atLeast("realtime.outboundQueueBytes", rt.getInteger("outboundQueueBytes"), 1024),
        atLeast("realtime.pingIntervalSeconds", rt.getInteger("pingIntervalSeconds"), 1),
        atLeast("realtime.idleTimeoutSeconds", rt.getInteger("idleTimeoutSeconds"), 2),
        atLeast("realtime.historyLength", rt.getInteger("historyLength"), 1),
        atLeast("realtime.historyMaxAgeSeconds", rt.getInteger("historyMaxAgeSeconds"), 1),
        atLeast("realtime.presenceTtlSeconds", rt.getInteger("presenceTtlSeconds"), 3),
        Set.copyOf(list(rt.getString("viewerEvents"))),
        rt.getBoolean("compression", false),
        atLeast("realtime.userCheckSeconds", rt.getInteger("userCheckSeconds"), 1));
  }

  private static Jobs jobs(JsonObject j) {
    String sandbox = j.getString("sandbox");
    if (!"bwrap".equals(sandbox) && !"none".equals(sandbox)) {
      throw new ConfigException("jobs.sandbox must be bwrap or none, got '" + sandbox + "'");
    }
    Jobs jobs = new Jobs(sandbox, Set.copyOf(list(j.getString("languages"))),
        atLeast("jobs.maxCodeBytes", j.getInteger("maxCodeBytes"), 1),
        atLeast("jobs.defaultTimeoutMs", j.getInteger("defaultTimeoutMs"), 100),
        atLeast("jobs.maxTimeoutMs", j.getInteger("maxTimeoutMs"), 100),
        atLeast("jobs.cpuSeconds", j.getInteger("cpuSeconds"), 1),
        atLeast("jobs.memoryBytes", j.getLong("memoryBytes"), 16L * 1024 * 1024),
        atLeast("jobs.maxProcesses", j.getInteger("maxProcesses"), 1),
        atLeast("jobs.maxOutputBytes", j.getInteger("maxOutputBytes"), 1),
        atLeast("jobs.tmpBytes", j.getLong("tmpBytes"), 1L << 20),
        between("jobs.niceness", j.getInteger("niceness"), 0, 19),
        atLeast("jobs.concurrency", j.getInteger("concurrency"), 1),
        atLeast("jobs.leaseMs", j.getLong("leaseMs"), 1000),
        atLeast("jobs.maxAttempts", j.getInteger("maxAttempts"), 1),
        atLeast("jobs.retryInitialDelayMs", j.getLong("retryInitialDelayMs"), 1),
        atLeast("jobs.retryMaxDelayMs", j.getLong("retryMaxDelayMs"), 1),
        atLeast("jobs.breakerMaxFailures", j.getInteger("breakerMaxFailures"), 1),
        atLeast("jobs.breakerResetMs", j.getLong("breakerResetMs"), 100),
        atLeast("jobs.maxActivePerUser", j.getInteger("maxActivePerUser"), 1),
        atLeast("jobs.streamMaxLength", j.getLong("streamMaxLength"), 100),
        atLeast("jobs.workspaceBytes", j.getLong("workspaceBytes"), 1),
        atLeast("jobs.reconcileSeconds", j.getInteger("reconcileSeconds"), 1));
    if (jobs.workspaceBytes() > jobs.tmpBytes()) {  // a job's copy of the workspace lives in its private /tmp
      throw new ConfigException("jobs.workspaceBytes must be at most jobs.tmpBytes (" + jobs.tmpBytes() + "), got "
          + jobs.workspaceBytes());
    }
    return jobs;
  }

  private static Files files(JsonObject f) {
    return new Files(
        atLeast("files.maxBytes", f.getInteger("maxBytes"), 1),
        atLeast("files.maxPerWorkspace", f.getInteger("maxPerWorkspace"), 1),
        atLeast("files.historyLength", f.getInteger("historyLength"), 1),
        atLeast("files.pushBatchSize", f.getInteger("pushBatchSize"), 1));
  }

  private static RedisSettings redisSettings(JsonObject redis, String deploymentId) {
    RedisSettings settings = new RedisSettings(redis.getString("url"),
        atLeast("redis.poolSize", redis.getInteger("poolSize"), 1),
        atLeast("redis.poolWaiting", redis.getInteger("poolWaiting"), 1),
        atLeast("redis.connectTimeoutMs", redis.getInteger("connectTimeoutMs"), 1),
        keyPrefix(redis.getString("keyPrefix", ""), deploymentId),
        atLeast("redis.commandTimeoutMs", redis.getLong("commandTimeoutMs"), 1));
    // a malformed Sentinel URL is refused here, at start, rather than at the first command
    if (RedisUrl.parse(settings.url()) instanceof RedisUrl.Sentinel && settings.poolWaiting() < settings.poolSize()) {
      // the Sentinel client refuses such a pool when it is created (RedisSentinelClient, 5.0.7)
      throw new ConfigException("redis.poolWaiting must be at least redis.poolSize (" + settings.poolSize()
          + ") with a Sentinel URL, got " + settings.poolWaiting());
    }
    return settings;
  }

  private static String deploymentId(String value) {
    String id = value == null ? "" : value.trim();
    if (!id.isEmpty() && !UUID_SHAPE.matcher(id).matches()) {
      throw new ConfigException("deployment.id must be a UUID (as PostgreSQL recorded it), got '" + value + "'");
    }
    return id.toLowerCase(Locale.ROOT);
  }

  /** No braces (the {@code {ws:<id>}} hash tags must stay the only ones in a key), no spaces, no trailing colon. */
  private static String keyPrefix(String value, String deploymentId) {
    String prefix = value == null ? "" : value.trim();
    if (prefix.isEmpty()) {
      return deploymentId.isEmpty() ? "collab" : "collab:" + deploymentId.substring(0, 8);
    }
    if (!KEY_PREFIX_SHAPE.matcher(prefix).matches()) {
      throw new ConfigException("redis.keyPrefix may hold letters, digits and . _ - : (not ending in ':'), got '"
          + value + "'");
    }
    return prefix;
  }

  private static String algorithm(String value) {
    if (!"HS256".equals(value) && !"RS256".equals(value) && !"ES256".equals(value)) {
      throw new ConfigException("jwt.algorithm must be HS256, RS256 or ES256, got '" + value + "'");
    }
    return value;
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

  private static int between(String name, Integer value, int min, int max) {
    if (value == null || value < min || value > max) {
      throw new ConfigException(name + " must be between " + min + " and " + max + ", got " + value);
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
