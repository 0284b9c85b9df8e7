package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.collab.support.Errors.assertError;
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
    Actors.expect(actors.post(team.owner(), files(team.workspaceId()),
        new JsonObject().put("path", "fits.txt").put("content", "x".repeat(16))), 201);
  }

  @Test
  @DisplayName("a PUT beyond files.maxBytes is 413 payload_too_large; the text and version stay")
  void replaceTooLarge() {
    Team team = Teams.create(actors);
    long id = Actors.expect(actors.post(team.owner(), files(team.workspaceId()),
        new JsonObject().put("path", "a.txt").put("content", "small")), 201).getLong("id");

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
      ids.add(Actors.expect(actors.post(team.owner(), files(team.workspaceId()), new JsonObject().put("path", i + ".txt")), 201)
          .getLong("id"));
    }

    assertError(actors.post(team.owner(), files(team.workspaceId()), new JsonObject().put("path", "3.txt")), 409, "too_many_files");
    Actors.expect(actors.delete(team.owner(), file(team.workspaceId(), ids.get(0))), 204);
    Actors.expect(actors.post(team.owner(), files(team.workspaceId()), new JsonObject().put("path", "3.txt")), 201);
  }

  @Test
  @DisplayName("20 concurrent creates in one workspace never pass files.maxPerWorkspace: 3 × 201, 17 × 409 too_many_files")
  void concurrentCreatesRespectTheLimit() {
    Team team = Teams.create(actors);
    List<Future<HttpResponse<Buffer>>> answers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      answers.add(actors.request(i % 2 == 0 ? team.owner() : team.collaborator(), HttpMethod.POST, files(team.workspaceId()))
          .sendJsonObject(new JsonObject().put("path", "f" + i + ".txt")));
    }
    Future.join(answers).await();

    List<Integer> statuses = answers.stream().map(f -> f.result().statusCode()).toList();
    assertThat(statuses).filteredOn(s -> s == 201).hasSize(3);
    assertThat(statuses).filteredOn(s -> s == 409).hasSize(17);
    answers.stream().filter(f -> f.result().statusCode() == 409)
        .forEach(f -> assertThat(f.result().bodyAsJsonObject().getString("error")).isEqualTo("too_many_files"));
    assertThat(actors.get(team.owner(), files(team.workspaceId())).bodyAsJsonArray()).hasSize(3);
  }

  @Test
  @DisplayName("the limit counts per workspace: a full workspace does not stop another")
  void perWorkspace() {
    Team full = Teams.create(actors);
    Team other = Teams.create(actors);
    for (int i = 0; i < 3; i++) {
      Actors.expect(actors.post(full.owner(), files(full.workspaceId()), new JsonObject().put("path", i + ".txt")), 201);
    }

    Actors.expect(actors.post(other.owner(), files(other.workspaceId()), new JsonObject().put("path", "0.txt")), 201);
  }
}
