package io.collab.jobs;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The job sandbox running a workspace file amid its siblings")
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class SandboxWorkspaceTest {

  private static Vertx vertx;
  private static Sandbox sandbox;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    sandbox = new Sandbox(Sandbox.Mode.BWRAP);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static SandboxResult run(String language, String entry, String... pathsAndContents) throws Exception {
    JsonArray files = new JsonArray();
    for (int i = 0; i < pathsAndContents.length; i += 2) {
      files.add(new JsonObject().put("path", pathsAndContents[i]).put("content", pathsAndContents[i + 1]));
    }
    try (WorkspaceCopy copy = WorkspaceCopy.write(files, entry, 1 << 20, sandbox.hostUid())) {
      return await(sandbox.run(vertx, "ws-" + System.nanoTime(), language, copy, null, SandboxLimits.DEFAULTS, null));
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(14, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("python: main.py imports its sibling helper.py")
  void pythonImportsSibling() throws Exception {
    SandboxResult result = run("python", "main.py",
        "main.py", "import helper\nprint(helper.greet('collab'))\n",
        "helper.py", "def greet(name):\n    return 'hello ' + name\n");
    assertThat(result.error()).isNull();
    assertThat(result.stderr()).isEmpty();
    assertThat(result.stdout()).isEqualTo("hello collab\n");
  }

  @Test
  @DisplayName("javascript: main.js requires ./lib/util from a subdirectory")
  void javascriptRequiresSubdirectory() throws Exception {
    SandboxResult result = run("javascript", "main.js",
        "main.js", "const util = require('./lib/util');\nconsole.log(util.twice(21));\n",
        "lib/util.js", "module.exports = { twice: (n) => n * 2 };\n");
    assertThat(result.stderr()).isEmpty();
    assertThat(result.stdout()).isEqualTo("42\n");
  }

  @Test
  @DisplayName("bash: main.sh sources ./lib.sh, and the working directory holds every file")
  void bashSourcesSibling() throws Exception {
    SandboxResult result = run("bash", "main.sh",
        "main.sh", "source ./lib.sh\nsay hi\nfind . -type f | sort\n",
        "lib.sh", "say() { echo \"said $1\"; }\n",
        "data/input.txt", "x");
    assertThat(result.stderr()).isEmpty();
    assertThat(result.stdout()).isEqualTo("said hi\n./data/input.txt\n./lib.sh\n./main.sh\n");
  }

  @Test
  @DisplayName("a file in a subdirectory runs from the workspace root and imports the siblings in its directory")
  void entryInSubdirectory() throws Exception {
    SandboxResult result = run("python", "src/app.py",
        "src/app.py", "import os, helper\nprint(helper.X, os.getcwd(), open('README').read())\n",
        "src/helper.py", "X = 7\n",
        "README", "top");
    assertThat(result.stderr()).isEmpty();
    assertThat(result.stdout()).isEqualTo("7 /tmp top\n");
  }

  @Test
  @DisplayName("the program may change its own copy of the files")
  void copyIsWritable() throws Exception {
    SandboxResult result = run("bash", "main.sh",
        "main.sh", "echo more >> notes.txt && cat notes.txt",
        "notes.txt", "first\n");
    assertThat(result.stderr()).isEmpty();
    assertThat(result.stdout()).isEqualTo("first\nmore\n");
  }

  @Test
  @DisplayName("a workspace that does not fit in the sandbox's /tmp is the run's failure (exit 125, cp says why), not a platform error")
  void workspaceOverTmp() throws Exception {
    Sandbox small = new Sandbox(Sandbox.Mode.BWRAP, 1 << 20, Sandbox.DEFAULT_NICENESS, "/usr/bin/bwrap");
    String chunk = "x".repeat(700 << 10);
    JsonArray files = new JsonArray()
        .add(new JsonObject().put("path", "main.sh").put("content", "echo ran"))
        .add(new JsonObject().put("path", "a.txt").put("content", chunk))
        .add(new JsonObject().put("path", "b.txt").put("content", chunk));
    try (WorkspaceCopy copy = WorkspaceCopy.write(files, "main.sh", 4 << 20, small.hostUid())) {
      SandboxResult result = await(small.run(vertx, "ws-full", "bash", copy, null, SandboxLimits.DEFAULTS, null));
      assertThat(result.error()).isNull();
      assertThat(result.exitCode()).isEqualTo(125);
      assertThat(result.stdout()).isEmpty();
      assertThat(result.stderr()).contains("No space left on device");
    }
  }

  @Test
  @DisplayName("in none mode (development) the program finds its siblings too")
  void unconfined() throws Exception {
    Sandbox none = new Sandbox(Sandbox.Mode.NONE);
    JsonArray files = new JsonArray()
        .add(new JsonObject().put("path", "main.js").put("content", "console.log(require('./lib/util').x)"))
        .add(new JsonObject().put("path", "lib/util.js").put("content", "exports.x = 'found'"));
    try (WorkspaceCopy copy = WorkspaceCopy.write(files, "main.js", 1 << 20, none.hostUid())) {
      SandboxResult result = await(none.run(vertx, "ws-none", "javascript", copy, null, SandboxLimits.DEFAULTS, null));
      assertThat(result.stderr()).isEmpty();
      assertThat(result.stdout()).isEqualTo("found\n");
    }
  }
}
