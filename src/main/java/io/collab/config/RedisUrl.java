package io.collab.config;

import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where Redis is: one server ({@code redis://[:password@]host:port[/db]}) or a Sentinel-managed master
 * ({@code redis-sentinel://[:password@]host1:26379,host2:26379/<master name>[/<db>]}). In the Sentinel form every
 * client asks the sentinels for the current master (vertx-redis-client's SENTINEL mode, role MASTER), so after a
 * failover each new connection goes to the promoted replica; the password, when given, is sent to the sentinels and
 * to the master alike.
 */
sealed interface RedisUrl {

  String SENTINEL_SCHEME = "redis-sentinel://";
  int SENTINEL_PORT = 26379;

  /** The client options for this URL, on top of {@code base} (pool sizes, timeouts). */
  RedisOptions applyTo(RedisOptions base);

  /** Where, without credentials: {@code 127.0.0.1:6379}, or {@code redis-sentinel://h1:26379,h2:26379/mymaster}. */
  String where();

  /** The logical database selected, 0 when the URL names none. */
  int database();

  static RedisUrl parse(String url) {
    return url != null && url.startsWith(SENTINEL_SCHEME) ? Sentinel.parse(url) : new Single(url);
  }

  /** One server. Parsed leniently, as before Sentinel support: the client reports a URL it cannot use. */
  record Single(String url) implements RedisUrl {

    @Override
    public RedisOptions applyTo(RedisOptions base) {
      return base.setConnectionString(url);
    }

    @Override
    public String where() {
      try {
        URI uri = URI.create(url);
        return uri.getHost() + ":" + (uri.getPort() < 0 ? 6379 : uri.getPort());
      } catch (IllegalArgumentException e) {
        return "(unparseable redis.url)";
      }
    }

    @Override
    public int database() {
      try {
        String path = URI.create(url).getPath();
        return path == null || path.length() <= 1 ? 0 : Integer.parseInt(path.substring(1));
      } catch (IllegalArgumentException e) {
        return 0;
      }
    }
  }

  /**
   * A master known to sentinels.
   *
   * @param userInfo {@code [user]:password}, or empty
   * @param sentinels {@code host:port} of each sentinel, sorted, so that nodes naming them in another order still
   *     agree on their deployment identity
   */
  record Sentinel(String userInfo, List<String> sentinels, String masterName, int database) implements RedisUrl {

    private static final Pattern SHAPE = Pattern.compile(
        "redis-sentinel://(?:([^@/]*)@)?([^/@]+)/([^/]+)(?:/(\\d{1,5}))?/?");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9._-]+)(?::(\\d{1,5}))?");

    static Sentinel parse(String url) {
      Matcher m = SHAPE.matcher(url);
      if (!m.matches()) {
        throw new ConfigException("redis.url: a Sentinel URL is redis-sentinel://[:password@]host1:26379,host2:26379"
            + "/<master name>[/<db>], got '" + withoutPassword(url) + "'");
      }
      List<String> sentinels = new ArrayList<>();
      for (String hostPort : m.group(2).split(",")) {
        Matcher hp = HOST_PORT.matcher(hostPort.trim());
        if (!hp.matches()) {
          throw new ConfigException("redis.url: not a sentinel host[:port]: '" + hostPort + "'");
        }
        int port = hp.group(2) == null ? SENTINEL_PORT : Integer.parseInt(hp.group(2));
        if (port < 1 || port > 65535) {
          throw new ConfigException("redis.url: sentinel port out of range: '" + hostPort + "'");
        }
        sentinels.add(hp.group(1) + ":" + port);
      }
      sentinels.sort(null);
      return new Sentinel(m.group(1) == null ? "" : m.group(1), List.copyOf(sentinels), m.group(3),
          m.group(4) == null ? 0 : Integer.parseInt(m.group(4)));
    }

    @Override
    public RedisOptions applyTo(RedisOptions base) {
      base.setType(RedisClientType.SENTINEL).setMasterName(masterName).setRole(RedisRole.MASTER)
          // no automatic failover wrapper: it moves a connection to the new master without its handlers or
          // subscriptions. Pooled commands simply connect again, to the master the sentinels name now, and the
          // owners of dedicated connections (subscriber, job reader) reconnect on error as they do for one server.
          .setAutoFailover(false);
      String credentials = userInfo.isEmpty() ? "" : userInfo + "@";
      for (String sentinel : sentinels) {
        // the database travels with each endpoint: the client SELECTs it on master connections (never on sentinels)
        base.addConnectionString("redis://" + credentials + sentinel + "/" + database);
      }
      return base;
    }

    @Override
    public String where() {
      return SENTINEL_SCHEME + String.join(",", sentinels) + "/" + masterName;
    }

    private static String withoutPassword(String url) {
      return url.replaceFirst("//[^@/]*@", "//");
    }
  }
}
