package io.collab.app;

import io.collab.config.NodeRole;
import io.collab.config.ConfigException;
import io.collab.config.ConfigLoader;
import io.collab.config.CollabConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The command line: {@code dev} (everything in one process, embedded PostgreSQL and Redis) and {@code start}
 * (production, settings from {@code conf/config.json} and {@code COLLAB_*} variables).
 */
public final class Main {

  private static final String USAGE = """
      Usage: java -jar target/collab.jar <command>

      Commands:
        dev      Start everything in one process with an embedded PostgreSQL and Redis.
                 Data is kept under data.dir (COLLAB_DATA_DIR); nothing needs installing.
                 Runs as a cluster of one: it never joins, nor is joined by, another process.
        start    Start in production mode against the PostgreSQL, Redis and cluster members
                 given in conf/config.json and COLLAB_* environment variables. Joins only a
                 cluster of its own deployment (the id recorded in PostgreSQL, the Redis database
                 and key prefix); refuses another with one line naming both.
        --help   Show this text.

      Settings (environment variables override conf/config.json, or the file named by COLLAB_CONFIG):
      """;

  private final Map<String, String> env;
  private final PrintStream out;
  private final PrintStream err;

  public Main(Map<String, String> env, PrintStream out, PrintStream err) {
    this.env = env;
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    int exit = new Main(System.getenv(), System.out, System.err).run(args);
    if (exit >= 0) {
      System.exit(exit);
    }
  }

  /** Returns an exit code, or -1 when the service is running and the JVM must stay up. */
  int run(String[] args) {
    String command = args.length == 0 ? "--help" : args[0];
    switch (command) {
      case "dev", "start" -> {
        return launch(command.equals("dev"));
      }
      case "--help", "-h", "help" -> {
        out.print(usage());
        return 0;
      }
      default -> {
        err.println("collab: unknown command '" + command + "'");
        err.print(usage());
        return 2;
      }
    }
  }

  private int launch(boolean dev) {
    JsonObject json;
    DevServices devServices = null;
    try {
      json = ConfigLoader.load(env);
      chooseLogFormat(json, dev);
      if (dev) {
        devServices = DevServices.start(json, env);
      }
      CollabConfig config = CollabConfig.from(json);
      if (!dev) {
        requireSecret(config);
        List<String> problems = Preflight.problems(config);
        if (!problems.isEmpty()) {
          err.println("collab: cannot start: " + String.join("; ", problems));
          return 1;
        }
      }
      config = Preflight.identify(json, config);
      ClusterSetup.Node node = ClusterSetup.start(config, dev).await();
      DevServices services = devServices;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(node, services), "collab-shutdown"));
      try {
        node.vertx().deployVerticle(MainVerticle.class, new DeploymentOptions().setConfig(json)).await();
      } catch (Exception | LinkageError e) {
        err.println("collab: cannot start: " + describe(e));
        return 1;
      }
      out.println("collab ready: " + url(config) + " roles=" + NodeRole.toList(config.roles())
          + " cluster_size=" + node.clusterSize() + " mode=" + (dev ? "dev" : "start")
          + " cluster=" + (dev ? "single-node" : config.cluster().name()) + " deployment=" + config.deployment().id());
      return -1;
    } catch (ConfigException e) {
      err.println("collab: " + e.getMessage());
      if (devServices != null) {
        devServices.close();
      }
      return 2;
    } catch (Exception | LinkageError e) {
      err.println("collab: cannot start: " + describe(e));
      if (devServices != null) {
        devServices.close();
      }
      return 1;
    }
  }

  private static void chooseLogFormat(JsonObject json, boolean dev) {
    String format = json.getJsonObject("log").getString("format", "");
    if (format.isBlank()) {
      format = dev ? "text" : "json";
    }
    if (!format.equals("json") && !format.equals("text")) {
      throw new ConfigException("log.format must be json or text, got '" + format + "'");
    }
    Logging.use(format);
  }

  private static void requireSecret(CollabConfig config) {
    boolean verifiesTokens = config.has(NodeRole.API) || config.has(NodeRole.REALTIME);
    boolean hmac = config.jwt().algorithm().equals("HS256");
    if (verifiesTokens && !hmac && (config.jwt().privateKeyFile().isBlank() || config.jwt().publicKeyFile().isBlank())) {
      throw new ConfigException("jwt.algorithm " + config.jwt().algorithm()
          + " needs COLLAB_JWT_PRIVATE_KEY_FILE and COLLAB_JWT_PUBLIC_KEY_FILE (PEM)");
    }
    if (verifiesTokens && hmac && config.jwt().secret().isBlank()) {
      throw new ConfigException("COLLAB_JWT_SECRET is required in start mode (roles api and realtime sign and check tokens)");
    }
    if (verifiesTokens && hmac && config.jwt().secret().length() < 32) {
      log().warn("COLLAB_JWT_SECRET is shorter than 32 characters; use a long random secret in production");
    }
  }

  private static String url(CollabConfig config) {
    if (!config.http().publicUrl().isBlank()) {
      return config.http().publicUrl();
    }
    String host = config.http().host();
    return "http://" + (host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host) + ":" + config.http().port();
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private String usage() {
    StringBuilder sb = new StringBuilder(USAGE);
    for (ConfigLoader.Setting s : ConfigLoader.settings(ConfigLoader.defaults())) {
      sb.append(String.format("  %-32s %-26s default: %s%n", s.env(), s.path(), s.defaultValue()));
    }
    return sb.toString();
  }

  private static void shutdown(ClusterSetup.Node node, DevServices services) {
    try {
      MainVerticle.stopWorker(node.vertx()).await();
      node.vertx().close().await();
    } catch (Exception e) {
      log().warn("error while stopping: {}", e.getMessage());
    }
    if (services != null) {
      services.close();
    }
  }

  private static Logger log() {
    return LoggerFactory.getLogger(Main.class);
  }
}
