package io.collab.app;

import io.collab.config.CollabConfig;
import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Builds the clustered Vert.x instance: Hazelcast with a TCP-IP member list (never multicast), metrics on.
 *
 * <p>Only nodes of one deployment form a cluster. Each node publishes its {@link DeploymentIdentity} as a Hazelcast
 * member attribute; a node that finds the cluster it joined belongs to another deployment leaves it before any
 * verticle is deployed (so it never registers a consumer there), and fails with one line naming both. The members
 * already there log the intruder once ({@link Membership}). {@code dev} runs a cluster of one: no discovery, and a
 * cluster name of its own.
 */
public final class ClusterSetup {

  /** The member attribute holding {@link DeploymentIdentity#describe()}. */
  static final String IDENTITY_ATTRIBUTE = "collab.deployment";

  private static final Logger log = LoggerFactory.getLogger(ClusterSetup.class);

  private ClusterSetup() {}

  /** A started node and its cluster manager, which knows the member count. */
  public record Node(Vertx vertx, HazelcastClusterManager clusterManager) {
    public int clusterSize() {
      return clusterManager.getNodes().size();
    }
  }

  /** Joins the cluster named by {@code cluster.*} (the {@code start} command). */
  public static Future<Node> start(CollabConfig config) {
    return start(config, false);
  }

  /**
   * @param singleNode {@code dev}: a cluster of one that discovers nobody and that nobody can join, whatever
   *     {@code cluster.name} and {@code cluster.members} say
   */
  public static Future<Node> start(CollabConfig config, boolean singleNode) {
    DeploymentIdentity identity = DeploymentIdentity.of(config);
    Config hz = singleNode ? singleNode(config) : hazelcast(config.cluster());
    hz.getMemberAttributeConfig().setAttribute(IDENTITY_ATTRIBUTE, identity.describe());
    HazelcastClusterManager manager = new HazelcastClusterManager(hz);
    return Vertx.builder().with(vertxOptions(config)).withClusterManager(manager).buildClustered()
        .compose(vertx -> admit(new Node(vertx, manager), identity, hz.getClusterName()));
  }

  /**
   * Stays in the cluster when its oldest member with an identity (the one that founded it, or the oldest still
   * there) is of this deployment, or is this node; otherwise leaves and fails. Deciding by age means that of two
   * deployments starting at once, exactly the later joiner leaves.
   */
  private static Future<Node> admit(Node node, DeploymentIdentity identity, String clusterName) {
    Cluster cluster = node.clusterManager().getHazelcastInstance().getCluster();
    Member local = cluster.getLocalMember();
    for (Member member : cluster.getMembers()) {  // oldest first; only those older than this node decide
      if (member.localMember()) {
        break;
      }
      String theirs = member.getAttribute(IDENTITY_ATTRIBUTE);
      if (theirs == null) {
        continue;  // a node of a version before identities: let it be
      }
      if (theirs.equals(identity.describe())) {
        break;
      }
      String refusal = "cluster '" + clusterName + "' (member " + member.getAddress() + ") belongs to " + theirs
          + "; this node (" + local.getAddress() + ") is " + identity.describe()
          + ": not joining. Give each deployment its own COLLAB_CLUSTER_NAME, or point both at one database and Redis";
      return node.vertx().close().transform(closed -> Future.failedFuture(new IllegalStateException(refusal)));
    }
    cluster.addMembershipListener(new Membership(identity));
    return Future.succeededFuture(node);
  }

  /** Logs, on the members already there, a node of another deployment that joined (it leaves at once by itself). */
  private record Membership(DeploymentIdentity identity) implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
      String theirs = event.getMember().getAttribute(IDENTITY_ATTRIBUTE);
      if (theirs != null && !theirs.equals(identity.describe())) {
        log.warn("refused cluster member {}: it is {}, this cluster is {}; it leaves again",
            event.getMember().getAddress(), theirs, identity.describe());
      }
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      // nothing to check
    }
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


  /**
   * A cluster of one on loopback: no join mechanism at all, and a name derived from the data directory, so that no
   * other process (another {@code dev}, a {@code start} node scanning 127.0.0.1) can join it either.
   */
  static Config singleNode(CollabConfig config) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(devClusterName(config.dataDir()));
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    NetworkConfig net = hz.getNetworkConfig();
    net.setPort(config.cluster().port()).setPortAutoIncrement(true).setPortCount(50);
    net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = net.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(false);
    return hz;
  }

  /** {@code collab-dev-} and a digest of the absolute data directory: stable per checkout, distinct between them. */
  static String devClusterName(Path dataDir) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(dataDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
      return "collab-dev-" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
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
