package io.collab.jobs;

import io.collab.config.CollabConfig;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.Database;
import io.collab.support.JobWorkspace;
import io.collab.support.Jobs;
import io.collab.support.Sockets;
import io.collab.support.Teams;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

@CollabTest(settings = {"jobs.concurrency=2", "jobs.maxActivePerUser=10",
    "jobs.workspaceBytes=" + JobsOnFilesTest.WORKSPACE_BYTES})
@DisplayName("Jobs that run a workspace file amid a copy of the workspace, over HTTP, in the real sandbox")
class JobsOnFilesTest {

  /** jobs.workspaceBytes for this class: small, so one file can exceed it. */
  static final int WORKSPACE_BYTES = 4096;

  private TestApp app;
  private Actors actors;
  private Database database;
  private Redis redis;

  /** Programs whose first file, the entry, needs its siblings; and what the entry prints. */
  static Stream<Arguments> programs() {
    return Stream.of(
        argumentSet("python main.py imports its sibling helper.py", "python", new String[] {
            "main.py", "import helper\nprint(helper.greet('collab'))\n",
            "helper.py", "def greet(name):\n    return 'hello ' + name\n"}, "hello collab\n"),
        argumentSet("javascript main.js requires ./lib/util from a subdirectory", "javascript", new String[] {
            "main.js", "const util = require('./lib/util');\nconsole.log(util.twice(21));\n",
            "lib/util.js", "module.exports = { twice: (n) => n * 2 };\n"}, "42\n"),
        argumentSet("bash main.sh sources its sibling ./lib.sh", "bash", new String[] {
            "main.sh", "source ./lib.sh\nsay hi\n",
            "lib.sh", "say() { echo \"said $1\"; }\n"}, "said hi\n"));
  }

  @ParameterizedTest
  @MethodSource("programs")
  void runsAmidItsSiblings(String language, String[] files, String stdout) {
    JobWorkspace workspace = JobWorkspace.create(actors, files);
    String entry = files[0];

    JsonObject job = run(workspace.team().collaborator(), workspace, entry, "succeeded");
    assertThat(job.getString("stdout")).isEqualTo(stdout);
    assertThat(job.getString("language")).isEqualTo(language);
    assertThat(job.getLong("file_id")).isEqualTo(workspace.file(entry));
  }

  @Test
  @DisplayName("the job names the file it ran and the version it ran")
  void namesFileAndVersion() {
    JobWorkspace workspace = JobWorkspace.create(actors, "main.py", "print('draft')\n");
    workspace.replace("main.py", "print('final')\n");

    JsonObject job = run(workspace.owner(), workspace, "main.py", "succeeded");
    assertThat(job.getString("stdout")).isEqualTo("final\n");
    assertThat(job.getLong("file_id")).isEqualTo(workspace.file("main.py"));
    assertThat(job.getLong("file_version")).isEqualTo(1L);
  }

  @Test
  @DisplayName("a file job's status and output stream to the workspace's sockets, as a code job's do")
  void liveOutput() {
    JobWorkspace workspace = JobWorkspace.create(actors, "main.py", "import helper\nhelper.hello()\n",
        "helper.py", "def hello():\n    print('live')\n");
    try (Sockets.Client viewer = Sockets.join(app, workspace.workspaceId(), workspace.team().viewer().access())) {
      String id = Jobs.submit(actors, workspace.team().collaborator(), workspace.job("main.py"));
      List<JsonObject> events = viewer.upTo("the job's end", m -> "job".equals(m.getString("type"))
          && id.equals(m.getString("job_id")) && "succeeded".equals(m.getString("status")));
      assertThat(events.stream().filter(m -> "stdout".equals(m.getString("stream"))).map(m -> m.getString("data"))
          .reduce("", String::concat)).isEqualTo("live\n");
    }
  }

  @Test
  @DisplayName("an explicit language runs a file whatever its extension, and overrides the extension's")
  void explicitLanguage() {
    JobWorkspace workspace = JobWorkspace.create(actors, "notes.txt", "print(6 * 7)\n",
        "both.py", "echo from bash\n");

    JsonObject python = Jobs.run(actors, workspace.owner(), workspace.job("notes.txt").put("language", "python"));
    assertThat(python.getString("stdout")).as(python.encode()).isEqualTo("42\n");
    JsonObject bash = Jobs.run(actors, workspace.owner(), workspace.job("both.py").put("language", "bash"));
    assertThat(bash.getString("language")).isEqualTo("bash");
    assertThat(bash.getString("stdout")).as(bash.encode()).isEqualTo("from bash\n");
  }

  @Test
  @DisplayName("a file whose extension names no language, without language, is a 400 naming language")
  void unknownExtension() {
    JobWorkspace workspace = JobWorkspace.create(actors, "README.md", "# hi\n", "Makefile", "all:\n");
    assertField(trySubmit(workspace.owner(), workspace.job("README.md")), "language");
    assertField(trySubmit(workspace.owner(), workspace.job("Makefile")), "language");
  }

  @Test
  @DisplayName("both code and file_id, or neither, is a 400; file_id without workspace_id too")
  void codeXorFile() {
    JobWorkspace workspace = JobWorkspace.create(actors, "main.py", "print(1)\n");
    Actor owner = workspace.owner();
    assertField(trySubmit(owner, workspace.job("main.py").put("code", "print(2)").put("language", "python")),
        "code");
    assertField(trySubmit(owner, new JsonObject().put("language", "python")
        .put("workspace_id", workspace.workspaceId())), "code");
    assertField(trySubmit(owner, new JsonObject().put("file_id", workspace.file("main.py"))), "workspace_id");
  }

  @Test
  @DisplayName("a viewer gets 403, an outsider 404, and a file of another workspace 404, with nothing queued")
  void permissions() {
    JobWorkspace workspace = JobWorkspace.create(actors, "main.py", "print(1)\n");
    Actor viewer = workspace.team().viewer();
    Actor outsider = actors.register("outsider");
    long elsewhere = Teams.workspace(actors, outsider);

    HttpResponse<Buffer> refused = trySubmit(viewer, workspace.job("main.py"));
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(403);
    HttpResponse<Buffer> stranger = trySubmit(outsider, workspace.job("main.py"));
    assertThat(stranger.statusCode()).as(stranger.bodyAsString()).isEqualTo(404);
    HttpResponse<Buffer> crossed = trySubmit(outsider, workspace.job("main.py").put("workspace_id", elsewhere));
    assertThat(crossed.statusCode()).as(crossed.bodyAsString()).isEqualTo(404);
    assertThat(jobRows(viewer) + jobRows(outsider)).isZero();
  }

  @Test
  @DisplayName("a workspace over jobs.workspaceBytes is a 413 at submit: no job row, no stream entry")
  void workspaceTooLarge() {
    JobWorkspace workspace = JobWorkspace.create(actors, "main.py", "print(1)\n",
        "data/big.txt", "x".repeat(WORKSPACE_BYTES));
    long streamBefore = streamLength();

    HttpResponse<Buffer> refused = trySubmit(workspace.owner(), workspace.job("main.py"));
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(413);
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("payload_too_large");
    assertThat(jobRows(workspace.owner())).isZero();
    assertThat(streamLength()).isEqualTo(streamBefore);
  }

  @Test
  @DisplayName("the job runs the files as they were at submit, though they change before it runs")
  void snapshotAtSubmit() {
    JobWorkspace workspace = JobWorkspace.create(actors, "main.py", "import data\nprint('v0', data.VALUE)\n",
        "data.py", "VALUE = 'old'\n");
    Actor busy = actors.register("busy");  // keeps both worker slots taken, so the job waits in the queue
    JsonObject sleeper = new JsonObject().put("code", "import time; time.sleep(2)").put("language", "python");
    Jobs.submit(actors, busy, sleeper);
    Jobs.submit(actors, busy, sleeper);

    String id = Jobs.submit(actors, workspace.owner(), workspace.job("main.py"));
    workspace.replace("main.py", "print('v1')\n");
    workspace.replace("data.py", "VALUE = 'new'\n");

    JsonObject job = Jobs.awaitEnd(actors, workspace.owner(), id, "succeeded");
    assertThat(job.getString("stdout")).isEqualTo("v0 old\n");
    assertThat(job.getLong("file_version")).isZero();
  }

  @Test
  @DisplayName("files the worker cannot lay out (a file where another's directory goes) fail the job at once, saying why")
  void unplaceableFiles() {
    JobWorkspace workspace = JobWorkspace.create(actors, "main.py", "print(1)\n", "lib", "a file\n",
        "lib/util.py", "X = 1\n");

    JsonObject job = run(workspace.owner(), workspace, "main.py", "failed");
    assertThat(job.getString("error")).contains("lib");
    assertThat(job.getInteger("attempts")).isEqualTo(1);
    assertThat(job.getValue("exit_code")).isNull();
  }

  @Test
  @DisplayName("a job of its own code has file_id and file_version null")
  void codeJobHasNoFile() {
    Actor user = actors.register("coder");
    JsonObject job = Jobs.run(actors, user, new JsonObject().put("code", "print(1)").put("language", "python"));
    assertThat(job.containsKey("file_id")).isTrue();
    assertThat(job.getValue("file_id")).isNull();
    assertThat(job.getValue("file_version")).isNull();
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  /** Runs {@code path} as {@code user}; fails the test unless the job ends {@code status}. Returns the job. */
  private JsonObject run(Actor user, JobWorkspace workspace, String path, String status) {
    return Jobs.awaitEnd(actors, user, Jobs.submit(actors, user, workspace.job(path)), status);
  }

  /** A submit that may be refused. */
  private HttpResponse<Buffer> trySubmit(Actor user, JsonObject body) {
    return actors.post(user, "/api/jobs/submit/", body);
  }

  private long jobRows(Actor user) {
    return database.query("SELECT count(*) AS n FROM jobs WHERE user_id = $1", user.id()).iterator().next()
        .getLong("n");
  }

  private long streamLength() {
    String stream = new JobQueue(null, CollabConfig.from(app.config).redis(), 1).stream();
    return redis.send(Request.cmd(Command.XLEN).arg(stream)).await().toLong();
  }

  private static void assertField(HttpResponse<Buffer> response, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("validation_failed");
    assertThat(response.bodyAsJsonObject().getJsonObject("fields").containsKey(field)).isTrue();
  }
}
