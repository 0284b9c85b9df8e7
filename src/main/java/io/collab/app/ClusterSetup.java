package io.collab.app;

import io.collab.config.CollabConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/** Builds the clustered Vert.x instance: Hazelcast with a TCP-IP member list (never multicast), metrics on. */
public final class ClusterSetup {

  private ClusterSetup() {}

  /** A started node and its cluster manager, which knows the member count. */
  public record Node(Vertx vertx, HazelcastClusterManager clusterManager) {
    public int clusterSize() {
      return clusterManager.getNodes().size();
    }
  }

  public static Future<Node> start(CollabConfig config) {
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast(config.cluster()));
    return Vertx.builder().with(vertxOptions(config)).withClusterManager(manager).buildClustered()
        .map(vertx -> new Node(vertx, manager));
  }

  /**
   * Event bus on the advertised cluster host; Prometheus metrics on (they must be set when Vert.x is built), in a
   * registry named after the cluster ({@link CollabConfig#metricsRegistry}): Micrometer's registries are per JVM, and a second
   * Vert.x in the same JVM (tests) must neither share nor, when closed, remove this one.
   */
  public static VertxOptions vertxOptions(CollabConfig config) {
    return new VertxOptions()
        .setEventBusOptions(new EventBusOptions().setHost(config.cluster().host()).setPort(0))
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            .setRegistryName(config.metricsRegistry())
            .setJvmMetricsEnabled(true)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }


  /** Starts from the Vert.x defaults so its {@code __vertx.*} maps keep their settings, then joins by TCP-IP. */
  static Config hazelcast(CollabConfig.Cluster cluster) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(cluster.name());
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    NetworkConfig net = hz.getNetworkConfig();
    net.setPort(cluster.port()).setPortAutoIncrement(true).setPortCount(50);
    if (isLoopback(cluster.host())) {
      net.getInterfaces().setEnabled(true).addInterface(cluster.host().equals("localhost") ? "127.0.0.1" : cluster.host());
    } else {
      net.setPublicAddress(cluster.host());
    }
    JoinConfig join = net.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    return hz;
  }

  private static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.");
  }
}
