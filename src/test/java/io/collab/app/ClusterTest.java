package io.collab.app;

import io.collab.config.CollabConfig;
import io.collab.common.Bus;
import io.collab.support.ClusterNodes;
import io.collab.support.Pause;
import io.collab.support.TestServices;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The clustered event bus")
class ClusterTest {

  private final ClusterNodes nodes = new ClusterNodes();

  @AfterEach
  void leave() {
    nodes.close();
  }

  @Test
  @DisplayName("a request sent on node A is answered by the persistence verticle that runs only on node B")
  void requestCrossesNodes() {
    JsonObject base = TestServices.config();
    JsonObject apiOnly = base.copy().put("roles", "api");
    JsonObject persistenceOnly = base.copy().put("roles", "persistence");
    persistenceOnly.getJsonObject("http").put("port", TestServices.freePort());

    ClusterSetup.Node a = nodes.join(apiOnly);
    ClusterSetup.Node b = nodes.join(persistenceOnly);
    assertThat(a.clusterSize()).isEqualTo(2);

    ClusterNodes.deploy(b, persistenceOnly);
    ClusterNodes.deploy(a, apiOnly);
    assertThat(a.vertx().sharedData().getLocalMap(Bus.DEPLOYMENTS_MAP).containsKey("persistence")).isFalse();

    JsonObject reply = a.vertx().eventBus().<JsonObject>request(Bus.PERSISTENCE_PING, new JsonObject()).await().body();
    Object persistenceOnB = b.vertx().sharedData().getLocalMap(Bus.DEPLOYMENTS_MAP).get("persistence");
    assertThat(reply.getString("deployment")).isEqualTo(persistenceOnB);

    WebClient web = WebClient.create(a.vertx());
    int status = web.get(apiOnly.getJsonObject("http").getInteger("port"), "127.0.0.1", "/health/ready")
        .send().await().statusCode();
    assertThat(status).as("node A is ready through node B's persistence").isEqualTo(200);
  }

  @Test
  @DisplayName("a node of another deployment is refused: it leaves with one line naming both, the cluster keeps its size")
  void otherDeploymentIsRefused() {
    JsonObject ours = TestServices.config();
    ours.getJsonObject("deployment").put("id", UUID.randomUUID().toString());
    JsonObject theirs = ours.copy();
    theirs.getJsonObject("deployment").put("id", UUID.randomUUID().toString());

    ClusterSetup.Node a = nodes.join(ours);
    CollabConfig intruder = CollabConfig.from(theirs);
    assertThatThrownBy(() -> ClusterSetup.start(intruder).await())
        .hasMessageContaining("cluster '" + intruder.cluster().name() + "'")
        .hasMessageContaining("belongs to deployment " + ours.getJsonObject("deployment").getString("id"))
        .hasMessageContaining("is deployment " + theirs.getJsonObject("deployment").getString("id"))
        .hasMessageContaining("not joining");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (a.clusterSize() > 1 && System.nanoTime() < deadline) {
      Pause.sleep(50);  // the member list follows the intruder's departure asynchronously
    }
    assertThat(a.clusterSize()).isEqualTo(1);

    ClusterSetup.Node b = nodes.join(ours.copy());
    assertThat(b.clusterSize()).as("a node of the same deployment still joins").isEqualTo(2);
  }
}
