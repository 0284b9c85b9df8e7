package io.collab.jobs;

import io.collab.common.Bus;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.Database;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * JOBS_CREATE for a job that runs a workspace file: one bus request, in which the store checks the submitter and
 * copies every file of the workspace, at its current version, into the job row (the files never cross the bus).
 */
@CollabTest
@DisplayName("Creating a file job (JOBS_CREATE with file_id on the event bus)")
class FileJobCreateTest {

  private TestApp app;
  private Actors actors;
  private Database database;

  private long create(Team team, String path, String content) {
    return Actors.expect(actors.post(team.owner(), Actors.workspace(team.workspaceId()) + "files/",
        new JsonObject().put("path", path).put("content", content)), 201).getLong("id");
  }

  private JsonObject request(Team team, Actor actor, long fileId, long maxBytes) {
    return new JsonObject().put("user_id", actor.id()).put("workspace_id", team.workspaceId()).put("kind", "run")
        .put("timeout_ms", 5000).put("max_attempts", 1).put("max_active", 100).put("file_id", fileId)
        .put("max_bytes", maxBytes).put("languages", new JsonArray().add("python").add("javascript").add("bash"));
  }

  private JsonObject createJob(JsonObject request) {
    return app.vertx.eventBus().<JsonObject>request(Bus.JOBS_CREATE, request).await().body();
  }

  private Row stored(JsonObject created) {
    return database.query("SELECT language, file_id, file_version, file_path, files::text AS files, code FROM jobs"
        + " WHERE id = $1", UUID.fromString(created.getString("id"))).iterator().next();
  }

  @Test
  @DisplayName("stores the file to run at its current version and every file of the workspace with its content")
  void copiesTheWorkspace() {
    Team team = Teams.create(actors);
    long main = create(team, "main.py", "import helper\n");
    create(team, "lib/helper.py", "X = 'é'\n");
    Actors.expect(actors.put(team.owner(), Actors.workspace(team.workspaceId()) + "files/" + main + "/",
        new JsonObject().put("content", "import helper\nprint(1)\n")), 200);

    Row job = stored(createJob(request(team, team.collaborator(), main, 1000)));

    assertThat(job.getString("language")).isEqualTo("python");
    assertThat(job.getLong("file_id")).isEqualTo(main);
    assertThat(job.getLong("file_version")).isEqualTo(1);
    assertThat(job.getString("file_path")).isEqualTo("main.py");
    assertThat(job.getString("code")).isNull();
    assertThat(new JsonArray(job.getString("files"))).isEqualTo(new JsonArray()
        .add(new JsonObject().put("path", "lib/helper.py").put("content", "X = 'é'\n"))
        .add(new JsonObject().put("path", "main.py").put("content", "import helper\nprint(1)\n")));
  }

  @Test
  @DisplayName("a workspace whose files exceed max_bytes in all fails 413 payload_too_large; exactly max_bytes fits")
  void tooLarge() {
    Team team = Teams.create(actors);
    long main = create(team, "main.py", "12345");
    create(team, "data.txt", "67890");

    assertFailure(fail(request(team, team.owner(), main, 9)), 413, "payload_too_large");
    assertThat(stored(createJob(request(team, team.owner(), main, 10))).getString("files")).contains("67890");
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

  @Test
  @DisplayName("without a language, a file whose extension names none of the enabled ones fails 400 no_language")
  void noLanguage() {
    Team team = Teams.create(actors);
    long readme = create(team, "README.md", "# hi\n");
    long script = create(team, "run.sh", "echo hi\n");

    assertFailure(fail(request(team, team.owner(), readme, 1000)), 400, Bus.NO_LANGUAGE);
    JsonObject onlyPython = request(team, team.owner(), script, 1000).put("languages", new JsonArray().add("python"));
    assertFailure(fail(onlyPython), 400, Bus.NO_LANGUAGE);
    assertThat(stored(createJob(onlyPython.copy().put("language", "python"))).getString("language"))
        .isEqualTo("python");
  }

  private ReplyException fail(JsonObject request) {
    return catchThrowableOfType(ReplyException.class,
        () -> app.vertx.eventBus().request(Bus.JOBS_CREATE, request).await());
  }

  private static void assertFailure(ReplyException failure, int status, String code) {
    assertThat(failure).as("expected failure %d %s", status, code).isNotNull();
    assertThat(failure.failureCode()).as("status of %s", failure.getMessage()).isEqualTo(status);
    assertThat(failure.getMessage()).startsWith(code + ": ");
  }
}
