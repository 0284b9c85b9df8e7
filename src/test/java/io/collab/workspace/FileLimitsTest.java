package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.collab.support.Errors.assertError;
import static io.collab.support.WorkspaceRaces.assertWinners;
import static io.collab.support.WorkspaceRaces.atOnce;
import static io.collab.workspace.FilesTest.createFile;
import static io.collab.workspace.FilesTest.file;
import static io.collab.workspace.FilesTest.files;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest(settings = {"files.maxBytes=16", "files.maxPerWorkspace=3"})
@DisplayName("Workspace file limits (files.maxBytes = 16, files.maxPerWorkspace = 3)")
class FileLimitsTest {

  private Actors actors;

  @Test
  @DisplayName("a create of more than files.maxBytes UTF-8 bytes is 413 payload_too_large and stores nothing; exactly the limit fits")
  void createTooLarge() {
    Team team = Teams.create(actors);

    assertError(actors.post(team.owner(), files(team.workspaceId()),
        new JsonObject().put("path", "big.txt").put("content", "x".repeat(17))), 413, "payload_too_large");
    // six characters, 18 bytes
    assertError(actors.post(team.owner(), files(team.workspaceId()),
        new JsonObject().put("path", "euro.txt").put("content", "€".repeat(6))), 413, "payload_too_large");
    assertThat(actors.get(team.owner(), files(team.workspaceId())).bodyAsJsonArray()).isEmpty();
    createFile(actors, team, "fits.txt", "x".repeat(16));
  }

  @Test
  @DisplayName("a PUT beyond files.maxBytes is 413 payload_too_large; the text and version stay")
  void replaceTooLarge() {
    Team team = Teams.create(actors);
    long id = createFile(actors, team, "a.txt", "small").getLong("id");

    assertError(actors.put(team.owner(), file(team.workspaceId(), id), new JsonObject().put("content", "é".repeat(9))),
        413, "payload_too_large");

    JsonObject now = Actors.expect(actors.get(team.owner(), file(team.workspaceId(), id)), 200);
    assertThat(now.getString("content")).isEqualTo("small");
    assertThat(now.getLong("version")).isZero();
  }

  @Test
  @DisplayName("the create after files.maxPerWorkspace files is 409 too_many_files; deleting one makes room")
  void tooManyFiles() {
    Team team = Teams.create(actors);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(createFile(actors, team, new JsonObject().put("path", i + ".txt")).getLong("id"));
    }

    assertError(actors.post(team.owner(), files(team.workspaceId()), new JsonObject().put("path", "3.txt")), 409, "too_many_files");
    Actors.expect(actors.delete(team.owner(), file(team.workspaceId(), ids.get(0))), 204);
    createFile(actors, team, new JsonObject().put("path", "3.txt"));
  }

  @Test
  @DisplayName("20 concurrent creates in one workspace never pass files.maxPerWorkspace: 3 × 201, 17 × 409 too_many_files")
  void concurrentCreatesRespectTheLimit() {
    Team team = Teams.create(actors);

    List<HttpResponse<Buffer>> answers = atOnce(20, i -> actors.request(i % 2 == 0 ? team.owner() : team.collaborator(),
        HttpMethod.POST, files(team.workspaceId())).sendJsonObject(new JsonObject().put("path", "f" + i + ".txt")));

    assertWinners(answers, 201, 3, 409, "too_many_files");
    assertThat(actors.get(team.owner(), files(team.workspaceId())).bodyAsJsonArray()).hasSize(3);
  }

  @Test
  @DisplayName("the limit counts per workspace: a full workspace does not stop another")
  void perWorkspace() {
    Team full = Teams.create(actors);
    Team other = Teams.create(actors);
    for (int i = 0; i < 3; i++) {
      createFile(actors, full, new JsonObject().put("path", i + ".txt"));
    }

    createFile(actors, other, new JsonObject().put("path", "0.txt"));
  }
}
