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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

@DisplayName("The job sandbox running a workspace file amid its siblings")
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class SandboxWorkspaceTest {

  private static Vertx vertx;
  private static Sandbox bwrap;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    bwrap = new Sandbox(Sandbox.Mode.BWRAP);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  /** A workspace's files from {@code path, content} pairs, in the form a job row holds them. */
  private static JsonArray files(String... pathsAndContents) {
    JsonArray files = new JsonArray();
    for (int i = 0; i < pathsAndContents.length; i += 2) {
      files.add(new JsonObject().put("path", pathsAndContents[i]).put("content", pathsAndContents[i + 1]));
    }
    return files;
  }

  /** Lays {@code files} out as a worker does (at most {@code maxBytes}) and runs {@code entry} among them. */
  private static SandboxResult run(Sandbox sandbox, String language, String entry, long maxBytes, JsonArray files)
      throws Exception {
    try (WorkspaceCopy copy = WorkspaceCopy.write(files, entry, maxBytes, sandbox.hostUid())) {
      return await(sandbox.run(vertx, "ws-" + System.nanoTime(), language, copy, null, SandboxLimits.DEFAULTS, null));
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(14, TimeUnit.SECONDS);
  }

  static Stream<Arguments> workspaces() {
    return Stream.of(
        argumentSet("python: main.py imports its sibling helper.py", "python", "main.py", files(
            "main.py", "import helper\nprint(helper.greet('collab'))\n",
            "helper.py", "def greet(name):\n    return 'hello ' + name\n"), "hello collab\n"),
        argumentSet("javascript: main.js requires ./lib/util from a subdirectory", "javascript", "main.js", files(
            "main.js", "const util = require('./lib/util');\nconsole.log(util.twice(21));\n",
            "lib/util.js", "module.exports = { twice: (n) => n * 2 };\n"), "42\n"),
        argumentSet("bash: main.sh sources ./lib.sh, and the working directory holds every file", "bash", "main.sh",
            files(
                "main.sh", "source ./lib.sh\nsay hi\nfind . -type f | sort\n",
                "lib.sh", "say() { echo \"said $1\"; }\n",
                "data/input.txt", "x"), "said hi\n./data/input.txt\n./lib.sh\n./main.sh\n"),
        argumentSet("a file in a subdirectory runs from the workspace root and imports the siblings in its directory",
            "python", "src/app.py", files(
                "src/app.py", "import os, helper\nprint(helper.X, os.getcwd(), open('README').read())\n",
                "src/helper.py", "X = 7\n",
                "README", "top"), "7 /tmp top\n"),
        argumentSet("the program may change its own copy of the files", "bash", "main.sh", files(
            "main.sh", "echo more >> notes.txt && cat notes.txt",
            "notes.txt", "first\n"), "first\nmore\n"));
  }

  @ParameterizedTest
  @MethodSource("workspaces")
  void runsAmidItsFiles(String language, String entry, JsonArray files, String stdout) throws Exception {
    SandboxResult result = run(bwrap, language, entry, 1 << 20, files);
    assertThat(result.error()).isNull();
    assertThat(result.stderr()).isEmpty();
    assertThat(result.stdout()).isEqualTo(stdout);
  }

  @Test
  @DisplayName("a workspace that does not fit in the sandbox's /tmp is the run's failure (exit 125, cp says why), not a platform error")
  void workspaceOverTmp() throws Exception {
    Sandbox small = new Sandbox(Sandbox.Mode.BWRAP, 1 << 20, Sandbox.DEFAULT_NICENESS, "/usr/bin/bwrap");
    String chunk = "x".repeat(700 << 10);
    SandboxResult result = run(small, "bash", "main.sh", 4 << 20,
        files("main.sh", "echo ran", "a.txt", chunk, "b.txt", chunk));
    assertThat(result.error()).isNull();
    assertThat(result.exitCode()).isEqualTo(125);
    assertThat(result.stdout()).isEmpty();
    assertThat(result.stderr()).contains("No space left on device");
  }

  @Test
  @DisplayName("in none mode (development) the program finds its siblings too")
  void unconfined() throws Exception {
    SandboxResult result = run(new Sandbox(Sandbox.Mode.NONE), "javascript", "main.js", 1 << 20,
        files("main.js", "console.log(require('./lib/util').x)", "lib/util.js", "exports.x = 'found'"));
    assertThat(result.stderr()).isEmpty();
    assertThat(result.stdout()).isEqualTo("found\n");
  }
}
