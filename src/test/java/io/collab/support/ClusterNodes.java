package io.collab.support;

import io.collab.app.ClusterSetup;
import io.collab.app.MainVerticle;
import io.collab.config.CollabConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The clustered nodes of one test, each a Vert.x instance of its own in this JVM as {@code start} makes it
 * ({@link ClusterSetup}); {@link #close()} leaves the cluster with all of them.
 */
public final class ClusterNodes implements AutoCloseable {

  private final List<ClusterSetup.Node> nodes = new ArrayList<>();

  /** A node that joined the cluster {@code config} names, with nothing deployed yet. */
  public ClusterSetup.Node join(JsonObject config) {
    ClusterSetup.Node node = ClusterSetup.start(CollabConfig.from(config)).await();
    nodes.add(node);
    return node;
  }

  /** A node that joined and runs the service with {@code config}'s roles. */
  public ClusterSetup.Node start(JsonObject config) {
    ClusterSetup.Node node = join(config);
    deploy(node, config);
    return node;
  }

  public static void deploy(ClusterSetup.Node node, JsonObject config) {
    node.vertx().deployVerticle(MainVerticle.class, new DeploymentOptions().setConfig(config)).await();
  }

  @Override
  public void close() {
    for (ClusterSetup.Node node : nodes) {
      node.vertx().close().await();
    }
    nodes.clear();
  }
}
