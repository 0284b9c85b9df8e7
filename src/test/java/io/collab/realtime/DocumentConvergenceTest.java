package io.collab.realtime;

import io.collab.documents.ChangeSet;
import io.collab.documents.Update;
import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Documents;
import io.collab.support.EditorModel;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.collab.support.Pause;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Editors typing into one file at once through two real instances, each running {@link EditorModel} (the
 * {@code @codemirror/collab} client's logic) over a real socket: random edits, pushes at whatever version the editor
 * is at (often stale), incoming messages read late, random pauses. At quiescence every editor's text is the text
 * over REST, the log replays to it, and each editor's updates are in the log exactly once.
 */
@CollabTest(settings = {"realtime.messagesPerSecond=1000"})
@DisplayName("Editors on two instances converge")
class DocumentConvergenceTest {

  static final int EDITORS = 6;
  static final int EDITS = 25;
  static final String ALPHABET = "abcxyz \n\t😀é";

  private TestApp first;
  private TestApp second;
  private Actors actors;

  /** One editor: its socket, its model, and its push in flight. */
  private static final class Editor {
    final Client socket;
    final EditorModel model;
    final long fileId;
    String pushRef;
    int pushes;

    Editor(Client socket, EditorModel model, long fileId) {
      this.socket = socket;
      this.model = model;
      this.fileId = fileId;
    }

    /** Handles what arrived; a doc_updates must start exactly at the editor's version (no gap, no repeat). */
    void read() {
      for (JsonObject message = socket.poll(Duration.ZERO); message != null; message = socket.poll(Duration.ZERO)) {
        String type = message.getString("type");
        if ("doc_updates".equals(type) && message.getValue("ref") == null) {
          assertThat(message.getLong("version")).as("%s received %s", model.clientId(), message)
              .isEqualTo(model.version());
          assertThat(message.getJsonArray("updates")).as("%s received %s", model.clientId(), message).hasSize(1);
          List<Update> updates = new ArrayList<>();
          message.getJsonArray("updates").forEach(u -> updates.add(Update.fromJson((JsonObject) u)));
          model.receive(message.getLong("version"), updates);
        } else if (pushRef != null && pushRef.equals(message.getValue("ref"))) {
          // an ack, or a refusal (overtaken, or the service busy): either way the next push sends what is left
          assertThat(type).as("%s's push answered %s", model.clientId(), message).isIn("doc_ack", "error");
          if ("error".equals(type)) {
            assertThat(message.getString("error")).as("%s", message).isNotIn("doc_invalid_change", "forbidden",
                "bad_message", "not_found", "doc_reload");
          }
          pushRef = null;
        } else {
          assertThat(type).as("%s got %s", model.clientId(), message).isIn("broadcast", "presence_state");
        }
      }
    }

    void push() {
      if (pushRef != null || model.sendable().isEmpty()) {
        return;
      }
      pushRef = model.clientId() + "-" + ++pushes;
      JsonArray updates = new JsonArray();
      model.sendable().forEach(u -> updates.add(u.toJson()));
      socket.send("doc_push", new JsonObject().put("file_id", fileId).put("version", model.version())
          .put("updates", updates), pushRef);
    }

    boolean idle() {
      return pushRef == null && model.sendable().isEmpty();
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4})
  @DisplayName("random concurrent edits at stale versions converge to the REST content, each update logged once")
  void randomEditsConverge(long seed) {
    Random random = new Random(seed);
    Team team = Teams.create(actors);
    String initial = "start\n";
    long file = Documents.create(actors, team.owner(), team.workspaceId(), initial);
    List<Editor> editors = new ArrayList<>();
    try {
      for (int i = 0; i < EDITORS; i++) {
        Client socket = Sockets.join(i % 2 == 0 ? first : second, team.workspaceId(),
            (i % 3 == 0 ? team.owner() : team.collaborator()).access());
        JsonObject state = Documents.open(socket, file);
        editors.add(new Editor(socket, new EditorModel("e" + i + "-s" + seed, state.getString("content"),
            state.getLong("version")), file));
      }

      int[] edits = new int[EDITORS];
      while (sum(edits) < EDITORS * EDITS) {
        int i = random.nextInt(EDITORS);
        Editor editor = editors.get(i);
        switch (random.nextInt(4)) {
          case 0 -> editor.read();
          case 1 -> editor.push();
          default -> {
            if (edits[i] < EDITS) {
              editor.model.edit(randomChange(editor.model.text(), random));
              edits[i]++;
            }
          }
        }
        if (random.nextInt(10) == 0) {
          Pause.sleep(random.nextInt(15));
        }
      }

      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      JsonObject stored;
      while (true) {
        editors.forEach(Editor::read);
        editors.forEach(Editor::push);
        stored = Documents.get(actors, team.owner(), team.workspaceId(), file);
        long version = stored.getLong("version");
        if (editors.stream().allMatch(e -> e.idle() && e.model.version() == version)) {
          break;
        }
        assertThat(System.nanoTime()).as("quiescence within 30 s").isLessThan(deadline);
        Pause.sleep(20);
      }

      String content = stored.getString("content");
      for (Editor editor : editors) {
        assertThat(editor.model.text()).as("the text of %s", editor.model.clientId()).isEqualTo(content);
      }
      JsonArray log = Documents.pull(editors.get(0).socket, file, 0).getJsonArray("updates");
      assertThat(Documents.apply(initial, log.getList())).isEqualTo(content);
      for (Editor editor : editors) {
        long logged = log.stream().map(u -> (JsonObject) u)
            .filter(u -> editor.model.clientId().equals(u.getString("clientID"))).count();
        assertThat(logged).as("updates of %s in the log", editor.model.clientId()).isEqualTo(editor.model.created());
      }
    } finally {
      editors.forEach(e -> e.socket.close());
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2})
  @DisplayName("two real @codemirror/collab editors (Node, src/test/js/collab-client), one on each instance, typing at once converge to the REST content")
  void realCodeMirrorEditorsConverge(long seed) throws Exception {
    Team team = Teams.create(actors);
    long file = Documents.create(actors, team.owner(), team.workspaceId(), "main.py", "print('hello')\n");
    Path client = Path.of("src/test/js/collab-client").toAbsolutePath();
    installNodeModules(client);

    Process node = new ProcessBuilder("node", "client.mjs",
        "--a", "ws://127.0.0.1:" + first.port + Sockets.path(team.workspaceId(), team.owner().access()),
        "--b", "ws://127.0.0.1:" + second.port + Sockets.path(team.workspaceId(), team.collaborator().access()),
        "--rest", "http://127.0.0.1:" + first.port, "--token", team.owner().access(),
        "--workspace", String.valueOf(team.workspaceId()), "--file", String.valueOf(file),
        "--edits", "40", "--seed", String.valueOf(seed), "--timeout-ms", "30000")
        .directory(client.toFile()).redirectErrorStream(true).start();
    boolean exited = node.waitFor(60, TimeUnit.SECONDS);
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!exited) {
      node.destroyForcibly();
    }

    System.out.println("collab-client: " + output.strip());
    assertThat(exited).as("node exited within 60 s; output: %s", output).isTrue();
    assertThat(node.exitValue()).as("node's exit code; output: %s", output).isZero();
    assertThat(output).contains("\"converged\":true");
    JsonObject stored = Documents.get(actors, team.owner(), team.workspaceId(), file);
    assertThat(stored.getLong("version")).isPositive();
  }

  /** The client's pinned packages, from the lock file (the npm cache first); once per checkout. */
  private static void installNodeModules(Path client) throws Exception {
    if (Files.isDirectory(client.resolve("node_modules/@codemirror/collab"))) {
      return;
    }
    Process npm = new ProcessBuilder("npm", "ci", "--prefer-offline", "--no-audit", "--no-fund")
        .directory(client.toFile()).redirectErrorStream(true).start();
    boolean exited = npm.waitFor(5, TimeUnit.MINUTES);
    String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(exited && npm.exitValue() == 0).as("npm ci in %s: %s", client, output).isTrue();
  }

  /** An insert, delete or replace at a random place, never splitting a surrogate pair. */
  private static ChangeSet randomChange(String text, Random random) {
    int from = clean(text, random.nextInt(text.length() + 1));
    int to = random.nextInt(3) == 0 ? clean(text, Math.min(text.length(), from + random.nextInt(5))) : from;
    StringBuilder insert = new StringBuilder();
    int n = random.nextInt(4) + (to == from ? 1 : 0);
    int[] letters = ALPHABET.codePoints().toArray();
    for (int k = 0; k < n; k++) {
      insert.appendCodePoint(letters[random.nextInt(letters.length)]);
    }
    return ChangeSet.of(text.length(), from, to, insert.toString());
  }

  private static int clean(String text, int at) {
    return at > 0 && at < text.length() && Character.isLowSurrogate(text.charAt(at)) ? at - 1 : at;
  }

  private static int sum(int[] values) {
    int total = 0;
    for (int v : values) {
      total += v;
    }
    return total;
  }

}
