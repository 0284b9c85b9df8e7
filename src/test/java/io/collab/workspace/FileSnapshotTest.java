package io.collab.workspace;

import io.collab.common.Bus;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static io.collab.workspace.FilesTest.file;
import static io.collab.workspace.FilesTest.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** FILES_SNAPSHOT, what a job that runs a workspace file gets: every file of the workspace at its current version. */
@CollabTest
@DisplayName("Workspace snapshot for jobs (FILES_SNAPSHOT on the event bus)")
class FileSnapshotTest {

  private TestApp app;
  private Actors actors;

  private long create(Team team, String path, String content) {
    return Actors.expect(actors.post(team.owner(), files(team.workspaceId()),
        new JsonObject().put("path", path).put("content", content)), 201).getLong("id");
  }

  private JsonObject request(Team team, Actor actor, long fileId, long maxBytes) {
    return new JsonObject().put("actor", actor.id()).put("workspace_id", team.workspaceId()).put("file_id", fileId)
        .put("max_bytes", maxBytes);
  }

  @Test
  @DisplayName("answers the file to run at its current version and every file of the workspace with its content")
  void snapshot() {
    Team team = Teams.create(actors);
    long main = create(team, "main.py", "import helper\n");
    create(team, "lib/helper.py", "X = 'é'\n");
    Actors.expect(actors.put(team.owner(), file(team.workspaceId(), main), new JsonObject().put("content", "import helper\nprint(1)\n")), 200);

    JsonObject reply = snapshot(request(team, team.collaborator(), main, 1000));

    assertThat(reply.getJsonObject("file")).isEqualTo(new JsonObject().put("id", main).put("path", "main.py").put("version", 1));
    assertThat(reply.getJsonArray("files")).isEqualTo(new JsonArray()
        .add(new JsonObject().put("path", "lib/helper.py").put("content", "X = 'é'\n"))
        .add(new JsonObject().put("path", "main.py").put("content", "import helper\nprint(1)\n")));
    assertThat(reply.getLong("bytes")).isEqualTo(9 + 23);
  }

  @Test
  @DisplayName("a workspace whose files exceed max_bytes in all fails 413 payload_too_large; exactly max_bytes fits")
  void tooLarge() {
    Team team = Teams.create(actors);
    long main = create(team, "main.py", "12345");
    create(team, "data.txt", "67890");

    assertFailure(fail(request(team, team.owner(), main, 9)), 413, "payload_too_large");
    assertThat(snapshot(request(team, team.owner(), main, 10)).getLong("bytes")).isEqualTo(10);
  }

  @Test
  @DisplayName("a viewer fails 403 forbidden (viewers do not run jobs); an outsider or a file of another workspace 404")
  void permissions() {
    Team team = Teams.create(actors);
    Team other = Teams.create(actors);
    long main = create(team, "main.py", "1");
    long theirs = create(other, "theirs.py", "2");

    assertFailure(fail(request(team, team.viewer(), main, 1000)), 403, "forbidden");
    assertFailure(fail(request(team, other.owner(), main, 1000)), 404, "not_found");
    assertFailure(fail(request(team, team.owner(), theirs, 1000)), 404, "not_found");
    assertFailure(fail(request(team, team.owner(), 987_654_321L, 1000)), 404, "not_found");
  }

  private JsonObject snapshot(JsonObject request) {
    return app.vertx.eventBus().<JsonObject>request(Bus.FILES_SNAPSHOT, request).await().body();
  }

  private ReplyException fail(JsonObject request) {
    return catchThrowableOfType(ReplyException.class,
        () -> app.vertx.eventBus().request(Bus.FILES_SNAPSHOT, request).await());
  }

  private static void assertFailure(ReplyException failure, int status, String code) {
    assertThat(failure).as("expected failure %d %s", status, code).isNotNull();
    assertThat(failure.failureCode()).as("status of %s", failure.getMessage()).isEqualTo(status);
    assertThat(failure.getMessage()).startsWith(code + ": ");
  }
}
