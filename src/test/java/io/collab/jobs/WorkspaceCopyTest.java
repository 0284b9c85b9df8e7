package io.collab.jobs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("A job's workspace copy on the worker")
class WorkspaceCopyTest {

  private static JsonArray files(String... pathsAndContents) {
    JsonArray files = new JsonArray();
    for (int i = 0; i < pathsAndContents.length; i += 2) {
      files.add(new JsonObject().put("path", pathsAndContents[i]).put("content", pathsAndContents[i + 1]));
    }
    return files;
  }

  private static WorkspaceCopy write(JsonArray files, String entry) throws Exception {
    return WorkspaceCopy.write(files, entry, 1 << 20, OptionalInt.empty());
  }

  @Test
  @DisplayName("writes every file at its path, subdirectories included, and close removes them all")
  void layout() throws Exception {
    Path dir;
    try (WorkspaceCopy copy = write(files("main.py", "import helper", "helper.py", "x = 1", "lib/util/a.js", "//a"),
        "main.py")) {
      dir = copy.dir();
      assertThat(copy.entry()).isEqualTo("main.py");
      assertThat(Files.readString(dir.resolve("main.py"))).isEqualTo("import helper");
      assertThat(Files.readString(dir.resolve("helper.py"))).isEqualTo("x = 1");
      assertThat(Files.readString(dir.resolve("lib/util/a.js"))).isEqualTo("//a");
    }
    assertThat(dir).doesNotExist();
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"/etc/passwd", "../escape.py", "a/../../escape.py", "a/./b.py", "a//b.py", "a/", ".",
      "..", "", "a\\b.py", "tab\there.py", "new\nline.py"})
  @DisplayName("refuses a path that is absolute, climbs out, or has an empty, . or .. segment or a control character")
  void refusedPaths(String path) {
    assertThatThrownBy(() -> write(files(path, "x", "main.py", "print(1)"), "main.py"))
        .isInstanceOf(WorkspaceCopy.Refused.class);
  }

  @Test
  @DisplayName("refuses to write through a symbolic link on the way, even one pointing inside")
  void refusesLinks(@TempDir Path elsewhere) throws Exception {
    Path dir = Files.createTempDirectory("collab-copy-test-");
    try {
      Files.createSymbolicLink(dir.resolve("lib"), elsewhere);
      assertThatThrownBy(() -> WorkspaceCopy.place(dir, "lib/x.py", new byte[] {1}, OptionalInt.empty()))
          .isInstanceOf(WorkspaceCopy.Refused.class).hasMessageContaining("link");
      assertThat(elsewhere.resolve("x.py")).doesNotExist();
    } finally {
      Files.deleteIfExists(dir.resolve("lib"));
      Files.deleteIfExists(dir);
    }
  }

  @Test
  @DisplayName("refuses a file where another file's directory goes, and the same path twice, leaving nothing behind")
  void clashes() {
    assertThatThrownBy(() -> write(files("a", "x", "a/b.py", "y"), "a")).isInstanceOf(WorkspaceCopy.Refused.class);
    assertThatThrownBy(() -> write(files("a/b.py", "y", "a", "x"), "a")).isInstanceOf(WorkspaceCopy.Refused.class);
    assertThatThrownBy(() -> write(files("a.py", "x", "a.py", "y"), "a.py")).isInstanceOf(WorkspaceCopy.Refused.class);
  }

  @Test
  @DisplayName("refuses a snapshot over its byte limit, or one without the file to run")
  void limits() {
    assertThatThrownBy(() -> WorkspaceCopy.write(files("a.py", "12345", "b.py", "678"), "a.py", 7,
        OptionalInt.empty())).isInstanceOf(WorkspaceCopy.Refused.class).hasMessageContaining("workspaceBytes");
    assertThatThrownBy(() -> write(files("a.py", "x"), "main.py")).isInstanceOf(WorkspaceCopy.Refused.class);
  }
}
