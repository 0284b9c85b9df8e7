package io.collab.jobs;

import io.collab.support.Actors;
import io.collab.support.Jobs;
import io.collab.support.Sockets;
import io.collab.support.Teams;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Jobs of a workspace, seen by its members")
class JobsLiveTest {

  private TestApp app;
  private Actors actors;

  @BeforeAll
  void deploy() {
    app = TestApp.start();
    actors = new Actors(app);
  }

  @AfterAll
  void undeploy() {
    app.stop();
  }

  @Test
  @DisplayName("every member's socket receives the job's status changes and its output in order")
  void membersSeeTheRun() {
    Teams.Team team = Teams.create(actors);
    try (Sockets.Client viewer = Sockets.join(app, team.workspaceId(), team.viewer().access())) {
      HttpResponse<Buffer> submitted = actors.post(team.collaborator(), "/api/jobs/submit/", new JsonObject()
          .put("code", "print('one')\nprint('two')").put("language", "python").put("workspace_id", team.workspaceId()));
      assertThat(submitted.statusCode()).isEqualTo(202);
      String jobId = submitted.bodyAsJsonObject().getString("job_id");

      List<JsonObject> events = viewer.upTo("the job's final status",
          m -> "job".equals(m.getString("type")) && "succeeded".equals(m.getString("status")), Duration.ofSeconds(20));
      List<JsonObject> job = events.stream().filter(m -> "job".equals(m.getString("type"))).toList();
      assertThat(job).allMatch(m -> jobId.equals(m.getString("job_id")));
      assertThat(job.get(0).getString("status")).isEqualTo("running");
      assertThat(job.stream().filter(m -> "stdout".equals(m.getString("stream"))).map(m -> m.getString("data"))
          .reduce("", String::concat)).isEqualTo("one\ntwo\n");
      assertThat(job.get(job.size() - 1).getString("status")).isEqualTo("succeeded");
      List<Long> seqs = job.stream().map(m -> m.getLong("seq")).toList();
      assertThat(seqs).isSorted().doesNotHaveDuplicates();
    }
  }

  @Test
  @DisplayName("job messages share the workspace's sequence: a socket that reconnects with since gets those it missed")
  void jobMessagesAreReplayedWithSince() {
    Teams.Team team = Teams.create(actors);
    long lastSeq;
    try (Sockets.Client before = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      before.send("edit", new JsonObject(), "r1");
      lastSeq = before.await("the ack", Sockets.type("ack")).getLong("seq");
    }
    String jobId = actors.post(team.collaborator(), "/api/jobs/submit/", new JsonObject().put("code", "print('missed')")
        .put("language", "python").put("workspace_id", team.workspaceId())).bodyAsJsonObject().getString("job_id");
    Jobs.awaitStatus(actors, team.collaborator(), jobId, Jobs.FINAL);

    try (Sockets.Client after = Sockets.connect(app,
        Sockets.path(team.workspaceId(), team.owner().access(), lastSeq))) {
      List<JsonObject> replayed = after.upTo("the replayed final status",
          m -> "job".equals(m.getString("type")) && "succeeded".equals(m.getString("status")), Duration.ofSeconds(10));
      List<JsonObject> job = replayed.stream().filter(m -> "job".equals(m.getString("type"))).toList();
      assertThat(job).extracting(m -> m.getString("status")).contains("running", "succeeded");
      assertThat(job.stream().filter(m -> "stdout".equals(m.getString("stream"))).map(m -> m.getString("data"))
          .reduce("", String::concat)).isEqualTo("missed\n");
      assertThat(job.get(0).getLong("seq")).isGreaterThan(lastSeq);
    }
  }

  @Test
  @DisplayName("output reaches members while the program still runs, not only when it ends")
  void outputIsLive() {
    Teams.Team team = Teams.create(actors);
    try (Sockets.Client member = Sockets.join(app, team.workspaceId(), team.owner().access())) {
      actors.post(team.collaborator(), "/api/jobs/submit/", new JsonObject()
          .put("code", "import time\nprint('early')\ntime.sleep(1.5)\nprint('late')").put("language", "python")
          .put("workspace_id", team.workspaceId()));
      member.await("the first line", m -> "job".equals(m.getString("type")) && "stdout".equals(m.getString("stream")));
      long firstLine = System.nanoTime();
      member.await("the end", m -> "job".equals(m.getString("type")) && "succeeded".equals(m.getString("status")));
      assertThat(Duration.ofNanos(System.nanoTime() - firstLine)).isGreaterThan(Duration.ofMillis(1000));
    }
  }

  @Test
  @DisplayName("a viewer may not run jobs in the workspace (403), an outsider gets 404, a member can read the job")
  void roles() {
    Teams.Team team = Teams.create(actors);
    JsonObject body = new JsonObject().put("code", "print(1)").put("language", "python")
        .put("workspace_id", team.workspaceId());
    assertThat(actors.post(team.viewer(), "/api/jobs/submit/", body).statusCode()).isEqualTo(403);
    Actors.Actor outsider = actors.register("outsider");
    assertThat(actors.post(outsider, "/api/jobs/submit/", body).statusCode()).isEqualTo(404);

    String jobId = actors.post(team.collaborator(), "/api/jobs/submit/", body).bodyAsJsonObject().getString("job_id");
    assertThat(actors.get(team.viewer(), "/api/jobs/" + jobId + "/").statusCode()).isEqualTo(200);
    assertThat(actors.get(outsider, "/api/jobs/" + jobId + "/").statusCode()).isEqualTo(404);
    assertThat(actors.post(team.viewer(), "/api/jobs/" + jobId + "/cancel/", new JsonObject()).statusCode())
        .isIn(403, 409);
  }
}
