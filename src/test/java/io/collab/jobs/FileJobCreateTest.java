package io.collab.jobs;

import io.collab.common.Bus;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.Database;
import io.collab.support.JobWorkspace;
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

  /** The JOBS_CREATE request that {@code actor} runs {@code fileId} of the workspace, with at most {@code maxBytes}. */
  private JsonObject request(JobWorkspace workspace, Actor actor, long fileId, long maxBytes) {
    return new JsonObject().put("user_id", actor.id()).put("workspace_id", workspace.workspaceId()).put("kind", "run")
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
    JobWorkspace workspace = JobWorkspace.create(actors, "main.py", "import helper\n", "lib/helper.py", "X = 'é'\n");
    long main = workspace.file("main.py");
    workspace.replace("main.py", "import helper\nprint(1)\n");

    Row job = stored(createJob(request(workspace, workspace.team().collaborator(), main, 1000)));

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
    JobWorkspace workspace = JobWorkspace.create(actors, "main.py", "12345", "data.txt", "67890");
    long main = workspace.file("main.py");

    assertFailure(fail(request(workspace, workspace.owner(), main, 9)), 413, "payload_too_large");
    assertThat(stored(createJob(request(workspace, workspace.owner(), main, 10))).getString("files"))
        .contains("67890");
  }

  @Test
  @DisplayName("a viewer fails 403 forbidden (viewers do not run jobs); an outsider or a file of another workspace 404")
  void permissions() {
    JobWorkspace workspace = JobWorkspace.create(actors, "main.py", "1");
    JobWorkspace other = JobWorkspace.create(actors, "theirs.py", "2");
    long main = workspace.file("main.py");

    assertFailure(fail(request(workspace, workspace.team().viewer(), main, 1000)), 403, "forbidden");
    assertFailure(fail(request(workspace, other.owner(), main, 1000)), 404, "not_found");
    assertFailure(fail(request(workspace, workspace.owner(), other.file("theirs.py"), 1000)), 404, "not_found");
    assertFailure(fail(request(workspace, workspace.owner(), 987_654_321L, 1000)), 404, "not_found");
  }

  @Test
  @DisplayName("without a language, a file whose extension names none of the enabled ones fails 400 no_language")
  void noLanguage() {
    JobWorkspace workspace = JobWorkspace.create(actors, "README.md", "# hi\n", "run.sh", "echo hi\n");

    assertFailure(fail(request(workspace, workspace.owner(), workspace.file("README.md"), 1000)), 400,
        Bus.NO_LANGUAGE);
    JsonObject onlyPython = request(workspace, workspace.owner(), workspace.file("run.sh"), 1000)
        .put("languages", new JsonArray().add("python"));
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
