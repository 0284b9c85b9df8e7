package io.collab.config;

import io.collab.common.BoundedRedis;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

import java.nio.file.Path;
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
                     long workspaceBytes, int reconcileSeconds, long stopGraceMs) {}

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
    Section http = Section.of(json, "http");
    Section pg = Section.of(json, "pg");
    Section jwt = Section.of(json, "jwt");
    Section auth = Section.of(json, "auth");
    Section rateLimit = Section.of(json, "rateLimit");
    Section cluster = Section.of(json, "cluster");
    String deploymentId = deploymentId(Section.of(json, "deployment").string("id", ""));
    return new CollabConfig(
        new Http(http.string("host"), http.port("port"), http.intAtLeast("instances", 0),
            http.longAtLeast("bodyLimit", 1), http.string("publicUrl", ""), http.flag("trustForwardedFor", false)),
        new Pg(pg.string("url"), pg.intAtLeast("poolSize", 1), pg.intAtLeast("connectTimeoutMs", 1)),
        redisSettings(Section.of(json, "redis"), deploymentId),
        new Jwt(jwt.string("secret", ""), jwt.string("issuer"), jwt.string("audience"),
            algorithm(jwt.string("algorithm")), jwt.string("privateKeyFile", ""), jwt.string("publicKeyFile", ""),
            jwt.intAtLeast("accessTtlSeconds", 1), jwt.intAtLeast("refreshTtlSeconds", 1)),
        new Auth(auth.intAtLeast("passwordMinLength", 1), auth.intAtLeast("argon2MemoryKib", 8),
            auth.intAtLeast("argon2Iterations", 1), auth.intAtLeast("argon2Parallelism", 1),
            auth.longAtLeast("activeUserCacheMs", 0), auth.intAtLeast("activeUserCacheEntries", 1)),
        new RateLimits(rateLimit.intAtLeast("windowSeconds", 1), rateLimit.intAtLeast("loginPerWindow", 1),
            rateLimit.intAtLeast("registerPerWindow", 1), rateLimit.intAtLeast("userPerWindow", 1)),
        new Api(Section.of(json, "api").intAtLeast("maxPageSize", 1)),
        realtime(Section.of(json, "realtime")),
        jobs(Section.of(json, "jobs")),
        files(Section.of(json, "files")),
        NodeRole.parseList(json.getString("roles")),
        new Cluster(cluster.string("name"), cluster.list("members"), cluster.string("host"), cluster.port("port")),
        new Deployment(deploymentId),
        Path.of(Section.of(json, "data").string("dir")),
        Section.of(json, "health").longAtLeast("checkTimeoutMs", 1),
        Section.of(json, "bus").longAtLeast("requestTimeoutMs", 1),
        Section.of(json, "log").string("format", ""),
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

  private static Realtime realtime(Section rt) {
    return new Realtime(rt.intAtLeast("maxFrameBytes", 256), rt.intAtLeast("messagesPerSecond", 1),
        rt.intAtLeast("maxDroppedBeforeClose", 1), rt.intAtLeast("outboundQueueBytes", 1024),
        rt.intAtLeast("pingIntervalSeconds", 1), rt.intAtLeast("idleTimeoutSeconds", 2),
        rt.intAtLeast("historyLength", 1), rt.intAtLeast("historyMaxAgeSeconds", 1),
        rt.intAtLeast("presenceTtlSeconds", 3), Set.copyOf(rt.list("viewerEvents")), rt.flag("compression", false),
        rt.intAtLeast("userCheckSeconds", 1));
  }

  private static Jobs jobs(Section j) {
    String sandbox = j.string("sandbox");
    if (!"bwrap".equals(sandbox) && !"none".equals(sandbox)) {
      throw new ConfigException("jobs.sandbox must be bwrap or none, got '" + sandbox + "'");
    }
    Jobs jobs = new Jobs(sandbox, Set.copyOf(j.list("languages")), j.intAtLeast("maxCodeBytes", 1),
        j.intAtLeast("defaultTimeoutMs", 100), j.intAtLeast("maxTimeoutMs", 100), j.intAtLeast("cpuSeconds", 1),
        j.longAtLeast("memoryBytes", 16L * 1024 * 1024), j.intAtLeast("maxProcesses", 1),
        j.intAtLeast("maxOutputBytes", 1), j.longAtLeast("tmpBytes", 1L << 20), j.intBetween("niceness", 0, 19),
        j.intAtLeast("concurrency", 1), j.longAtLeast("leaseMs", 1000), j.intAtLeast("maxAttempts", 1),
        j.longAtLeast("retryInitialDelayMs", 1), j.longAtLeast("retryMaxDelayMs", 1),
        j.intAtLeast("breakerMaxFailures", 1), j.longAtLeast("breakerResetMs", 100),
        j.intAtLeast("maxActivePerUser", 1), j.longAtLeast("streamMaxLength", 100),
        j.longAtLeast("workspaceBytes", 1), j.intAtLeast("reconcileSeconds", 1),
        j.longAtLeast("stopGraceMs", 0));
    if (jobs.workspaceBytes() > jobs.tmpBytes()) {  // a job's copy of the workspace lives in its private /tmp
      throw new ConfigException("jobs.workspaceBytes must be at most jobs.tmpBytes (" + jobs.tmpBytes() + "), got "
          + jobs.workspaceBytes());
    }
    return jobs;
  }

  private static Files files(Section f) {
    return new Files(f.intAtLeast("maxBytes", 1), f.intAtLeast("maxPerWorkspace", 1),
        f.intAtLeast("historyLength", 1), f.intAtLeast("pushBatchSize", 1));
  }

  private static RedisSettings redisSettings(Section redis, String deploymentId) {
    RedisSettings settings = new RedisSettings(redis.string("url"), redis.intAtLeast("poolSize", 1),
        redis.intAtLeast("poolWaiting", 1), redis.intAtLeast("connectTimeoutMs", 1),
        keyPrefix(redis.string("keyPrefix", ""), deploymentId), redis.longAtLeast("commandTimeoutMs", 1));
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
}
