package io.collab.realtime;

import io.collab.common.Bus;
import io.collab.common.ClusterEvents;
import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Pause;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cluster-wide events name workspaces, users and jobs by ids that are unique within one database only. They carry
 * the publisher's deployment id, and a node acts only on those of its own deployment: the second line behind the
 * cluster join check.
 */
@CollabTest
@DisplayName("Cluster-wide events of another deployment are ignored")
class DeploymentEventsTest {

  private TestApp app;
  private Actors actors;
  private String deployment;

  @BeforeAll
  void readDeploymentId() {
    deployment = app.config.getJsonObject("deployment").getString("id");
    assertThat(deployment).as("the id recorded in the app's database").isNotEmpty();
  }

  @Test
  @DisplayName("workspace_deleted of another deployment (or of none) leaves the socket open; our own closes it with 4004")
  void workspaceDeleted() {
    Team team = Teams.create(actors);
    try (Client socket = Sockets.join(app, team.workspaceId(), team.collaborator().access())) {
      JsonObject deleted = new JsonObject().put("type", "workspace_deleted").put("workspace_id", team.workspaceId());
      new ClusterEvents(app.vertx.eventBus(), UUID.randomUUID().toString()).publish(Bus.WORKSPACE_EVENTS, deleted);
      app.vertx.eventBus().publish(Bus.WORKSPACE_EVENTS, deleted);
      socket.drain(Duration.ofMillis(1000));
      assertThat(socket.isClosed()).as("closed by a foreign or unstamped event").isFalse();

      new ClusterEvents(app.vertx.eventBus(), deployment).publish(Bus.WORKSPACE_EVENTS, deleted);
      assertThat(socket.awaitClose(Duration.ofSeconds(5)).status()).isEqualTo(CloseCode.WORKSPACE_DELETED.code);
    }
  }

  @Test
  @DisplayName("a member removed through the API is an event of this deployment: the socket closes with 4003")
  void ownEventsStillArrive() {
    Team team = Teams.create(actors);
    try (Client socket = Sockets.join(app, team.workspaceId(), team.collaborator().access())) {
      Actors.expect(actors.delete(team.owner(), Actors.member(team.workspaceId(), team.collaborator().id())), 204);
      assertThat(socket.awaitClose(Duration.ofSeconds(5)).status()).isEqualTo(CloseCode.FORBIDDEN.code);
    }
  }

  @Test
  @DisplayName("a job kill of another deployment does not reach the consumer; one of this deployment does")
  void jobKill() {
    List<String> heard = new CopyOnWriteArrayList<>();
    ClusterEvents ours = new ClusterEvents(app.vertx.eventBus(), deployment);
    var consumer = ours.consumer(Bus.JOBS_KILL, message -> heard.add(message.body().getString("job_id")));
    consumer.completion().await();
    try {
      new ClusterEvents(app.vertx.eventBus(), UUID.randomUUID().toString())
          .publish(Bus.JOBS_KILL, new JsonObject().put("job_id", "foreign"));
      app.vertx.eventBus().publish(Bus.JOBS_KILL, new JsonObject().put("job_id", "unstamped"));
      ours.publish(Bus.JOBS_KILL, new JsonObject().put("job_id", "ours"));
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (heard.isEmpty() && System.nanoTime() < deadline) {
        Pause.sleep(20);
      }
      Pause.sleep(200);  // anything else published before ours has arrived by now too
      assertThat(heard).containsExactly("ours");
    } finally {
      consumer.unregister().await();
    }
  }
}
