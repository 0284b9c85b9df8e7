package io.collab.jobs;

import io.collab.config.CollabConfig;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Database;
import io.collab.support.Jobs;
import io.collab.support.Sockets;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Jobs that run a workspace file amid a copy of the workspace, over HTTP, in the real sandbox")
class JobsOnFilesTest {

  /** jobs.workspaceBytes for this class: small, so one file can exceed it. */
  private static final int WORKSPACE_BYTES = 4096;

  private TestApp app;
  private Actors actors;

  @BeforeAll
  void deploy() {
    app = TestApp.start(config -> config.getJsonObject("jobs").put("concurrency", 2).put("maxActivePerUser", 10)
        .put("workspaceBytes", WORKSPACE_BYTES));
    actors = new Actors(app);
  }

  @AfterAll
  void undeploy() {
    app.stop();
  }

  @Test
  @DisplayName("python main.py importing its sibling helper.py succeeds with helper's result, and the job names the file and version")
  void pythonImportsSibling() {
    Team team = Teams.create(actors);
    long main = createFile(team.owner(), team.workspaceId(), "main.py", "print('draft')\n");
    replaceFile(team.owner(), team.workspaceId(), main, "import helper\nprint(helper.greet('collab'))\n");
    createFile(team.owner(), team.workspaceId(), "helper.py", "def greet(name):\n    return 'hello ' + name\n");

    JsonObject job = run(team.collaborator(), team.workspaceId(), main);
    assertThat(job.getString("status")).as(job.encode()).isEqualTo("succeeded");
    assertThat(job.getString("stdout")).isEqualTo("hello collab\n");
    assertThat(job.getString("language")).isEqualTo("python");
    assertThat(job.getLong("file_id")).isEqualTo(main);
    assertThat(job.getLong("file_version")).isEqualTo(1L);
  }

  @Test
  @DisplayName("javascript main.js requires ./lib/util from a subdirectory")
  void javascriptRequiresSubdirectory() {
    Team team = Teams.create(actors);
    long main = createFile(team.owner(), team.workspaceId(), "main.js",
        "const util = require('./lib/util');\nconsole.log(util.twice(21));\n");
    createFile(team.owner(), team.workspaceId(), "lib/util.js", "module.exports = { twice: (n) => n * 2 };\n");

    JsonObject job = run(team.owner(), team.workspaceId(), main);
    assertThat(job.getString("status")).as(job.encode()).isEqualTo("succeeded");
    assertThat(job.getString("language")).isEqualTo("javascript");
    assertThat(job.getString("stdout")).isEqualTo("42\n");
  }

  @Test
  @DisplayName("bash main.sh sources its sibling ./lib.sh")
  void bashSourcesSibling() {
    Team team = Teams.create(actors);
    long main = createFile(team.owner(), team.workspaceId(), "main.sh", "source ./lib.sh\nsay hi\n");
    createFile(team.owner(), team.workspaceId(), "lib.sh", "say() { echo \"said $1\"; }\n");

    JsonObject job = run(team.owner(), team.workspaceId(), main);
    assertThat(job.getString("status")).as(job.encode()).isEqualTo("succeeded");
    assertThat(job.getString("language")).isEqualTo("bash");
    assertThat(job.getString("stdout")).isEqualTo("said hi\n");
  }

  @Test
  @DisplayName("a file job's status and output stream to the workspace's sockets, as a code job's do")
  void liveOutput() {
    Team team = Teams.create(actors);
    long main = createFile(team.owner(), team.workspaceId(), "main.py", "import helper\nhelper.hello()\n");
    createFile(team.owner(), team.workspaceId(), "helper.py", "def hello():\n    print('live')\n");
    try (Sockets.Client viewer = Sockets.join(app, team.workspaceId(), team.viewer().access())) {
      String id = Jobs.submit(actors, team.collaborator(), fileJob(team.workspaceId(), main));
      List<JsonObject> events = viewer.upTo("the job's end", m -> "job".equals(m.getString("type"))
          && id.equals(m.getString("job_id")) && "succeeded".equals(m.getString("status")));
      assertThat(events.stream().filter(m -> "stdout".equals(m.getString("stream"))).map(m -> m.getString("data"))
          .reduce("", String::concat)).isEqualTo("live\n");
    }
  }

  @Test
  @DisplayName("an explicit language runs a file whatever its extension, and overrides the extension's")
  void explicitLanguage() {
    Team team = Teams.create(actors);
    long text = createFile(team.owner(), team.workspaceId(), "notes.txt", "print(6 * 7)\n");
    long script = createFile(team.owner(), team.workspaceId(), "both.py", "echo from bash\n");

    JsonObject python = Jobs.awaitStatus(actors, team.owner(), Jobs.submit(actors, team.owner(),
        fileJob(team.workspaceId(), text).put("language", "python")), Jobs.FINAL);
    assertThat(python.getString("stdout")).as(python.encode()).isEqualTo("42\n");
    JsonObject bash = Jobs.awaitStatus(actors, team.owner(), Jobs.submit(actors, team.owner(),
        fileJob(team.workspaceId(), script).put("language", "bash")), Jobs.FINAL);
    assertThat(bash.getString("language")).isEqualTo("bash");
    assertThat(bash.getString("stdout")).as(bash.encode()).isEqualTo("from bash\n");
  }

  @Test
  @DisplayName("a file whose extension names no language, without language, is a 400 naming language")
  void unknownExtension() {
    Team team = Teams.create(actors);
    long readme = createFile(team.owner(), team.workspaceId(), "README.md", "# hi\n");
    long bare = createFile(team.owner(), team.workspaceId(), "Makefile", "all:\n");
    assertField(actors.post(team.owner(), "/api/jobs/submit/", fileJob(team.workspaceId(), readme)), "language");
    assertField(actors.post(team.owner(), "/api/jobs/submit/", fileJob(team.workspaceId(), bare)), "language");
  }

  @Test
  @DisplayName("both code and file_id, or neither, is a 400; file_id without workspace_id too")
  void codeXorFile() {
    Team team = Teams.create(actors);
    long main = createFile(team.owner(), team.workspaceId(), "main.py", "print(1)\n");
    assertField(actors.post(team.owner(), "/api/jobs/submit/", fileJob(team.workspaceId(), main)
        .put("code", "print(2)").put("language", "python")), "code");
    assertField(actors.post(team.owner(), "/api/jobs/submit/", new JsonObject().put("language", "python")
        .put("workspace_id", team.workspaceId())), "code");
    assertField(actors.post(team.owner(), "/api/jobs/submit/", new JsonObject().put("file_id", main)),
        "workspace_id");
  }

  @Test
  @DisplayName("a viewer gets 403, an outsider 404, and a file of another workspace 404, with nothing queued")
  void permissions() {
    Team team = Teams.create(actors);
    long main = createFile(team.owner(), team.workspaceId(), "main.py", "print(1)\n");
    Actor outsider = actors.register("outsider");
    long elsewhere = Teams.workspace(actors, outsider);

    HttpResponse<Buffer> viewer = actors.post(team.viewer(), "/api/jobs/submit/", fileJob(team.workspaceId(), main));
    assertThat(viewer.statusCode()).as(viewer.bodyAsString()).isEqualTo(403);
    HttpResponse<Buffer> stranger = actors.post(outsider, "/api/jobs/submit/", fileJob(team.workspaceId(), main));
    assertThat(stranger.statusCode()).as(stranger.bodyAsString()).isEqualTo(404);
    HttpResponse<Buffer> crossed = actors.post(outsider, "/api/jobs/submit/", fileJob(elsewhere, main));
    assertThat(crossed.statusCode()).as(crossed.bodyAsString()).isEqualTo(404);
    assertThat(jobRows(team.viewer()) + jobRows(outsider)).isZero();
  }

  @Test
  @DisplayName("a workspace over jobs.workspaceBytes is a 413 at submit: no job row, no stream entry")
  void workspaceTooLarge() {
    Team team = Teams.create(actors);
    long main = createFile(team.owner(), team.workspaceId(), "main.py", "print(1)\n");
    createFile(team.owner(), team.workspaceId(), "data/big.txt", "x".repeat(WORKSPACE_BYTES));
    long streamBefore = streamLength();

    HttpResponse<Buffer> refused = actors.post(team.owner(), "/api/jobs/submit/", fileJob(team.workspaceId(), main));
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(413);
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("payload_too_large");
    assertThat(jobRows(team.owner())).isZero();
    assertThat(streamLength()).isEqualTo(streamBefore);
  }

  @Test
  @DisplayName("the job runs the files as they were at submit, though they change before it runs")
  void snapshotAtSubmit() {
    Team team = Teams.create(actors);
    long main = createFile(team.owner(), team.workspaceId(), "main.py", "import data\nprint('v0', data.VALUE)\n");
    long data = createFile(team.owner(), team.workspaceId(), "data.py", "VALUE = 'old'\n");
    Actor busy = actors.register("busy");  // keeps both worker slots taken, so the job waits in the queue
    JsonObject sleeper = new JsonObject().put("code", "import time; time.sleep(2)").put("language", "python");
    Jobs.submit(actors, busy, sleeper);
    Jobs.submit(actors, busy, sleeper);

    String id = Jobs.submit(actors, team.owner(), fileJob(team.workspaceId(), main));
    replaceFile(team.owner(), team.workspaceId(), main, "print('v1')\n");
    replaceFile(team.owner(), team.workspaceId(), data, "VALUE = 'new'\n");

    JsonObject job = Jobs.awaitStatus(actors, team.owner(), id, Jobs.FINAL);
    assertThat(job.getString("status")).as(job.encode()).isEqualTo("succeeded");
    assertThat(job.getString("stdout")).isEqualTo("v0 old\n");
    assertThat(job.getLong("file_version")).isZero();
  }

  @Test
  @DisplayName("files the worker cannot lay out (a file where another's directory goes) fail the job at once, saying why")
  void unplaceableFiles() {
    Team team = Teams.create(actors);
    long main = createFile(team.owner(), team.workspaceId(), "main.py", "print(1)\n");
    createFile(team.owner(), team.workspaceId(), "lib", "a file\n");
    createFile(team.owner(), team.workspaceId(), "lib/util.py", "X = 1\n");

    JsonObject job = run(team.owner(), team.workspaceId(), main);
    assertThat(job.getString("status")).as(job.encode()).isEqualTo("failed");
    assertThat(job.getString("error")).contains("lib");
    assertThat(job.getInteger("attempts")).isEqualTo(1);
    assertThat(job.getValue("exit_code")).isNull();
  }

  @Test
  @DisplayName("a job of its own code has file_id and file_version null")
  void codeJobHasNoFile() {
    Actor user = actors.register("coder");
    String id = Jobs.submit(actors, user, new JsonObject().put("code", "print(1)").put("language", "python"));
    JsonObject job = Jobs.awaitStatus(actors, user, id, Jobs.FINAL);
    assertThat(job.containsKey("file_id")).isTrue();
    assertThat(job.getValue("file_id")).isNull();
    assertThat(job.getValue("file_version")).isNull();
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private static JsonObject fileJob(long workspaceId, long fileId) {
    return new JsonObject().put("workspace_id", workspaceId).put("file_id", fileId);
  }

  private JsonObject run(Actor user, long workspaceId, long fileId) {
    return Jobs.awaitStatus(actors, user, Jobs.submit(actors, user, fileJob(workspaceId, fileId)), Jobs.FINAL);
  }

  private static String files(long workspaceId) {
    return Actors.WORKSPACES + workspaceId + "/files/";
  }

  private long createFile(Actor owner, long workspaceId, String path, String content) {
    return Actors.expect(actors.post(owner, files(workspaceId),
        new JsonObject().put("path", path).put("content", content)), 201).getLong("id");
  }

  private void replaceFile(Actor owner, long workspaceId, long fileId, String content) {
    Actors.expect(actors.put(owner, files(workspaceId) + fileId + "/", new JsonObject().put("content", content)), 200);
  }

  private long jobRows(Actor user) {
    try (Database db = Database.of(app)) {
      return db.query("SELECT count(*) AS n FROM jobs WHERE user_id = $1", user.id()).iterator().next().getLong("n");
    }
  }

  private long streamLength() {
    Redis client = Redis.createClient(app.vertx, app.config.getJsonObject("redis").getString("url"));
    try {
      String stream = new JobQueue(null, CollabConfig.from(app.config).redis(), 1).stream();
      return client.send(Request.cmd(Command.XLEN).arg(stream)).await().toLong();
    } finally {
      client.close();
    }
  }

  private static void assertField(HttpResponse<Buffer> response, String field) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("validation_failed");
    assertThat(response.bodyAsJsonObject().getJsonObject("fields").containsKey(field)).isTrue();
  }
}
