package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.workspace.Cast.Who;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.collab.workspace.FilesTest.file;
import static io.collab.workspace.FilesTest.files;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may do what with workspace files, cell by cell: members read (viewers included), owners and collaborators
 * write, anyone else gets 404 for everything (the list included), and a caller without a token 401. Every cell gets
 * a fresh workspace holding one file.
 */
@CollabTest
@DisplayName("The files permission matrix")
class FilePermissionsTest {

  enum Operation {
    LIST("GET files/"),
    CREATE("POST files/"),
    GET("GET files/{file_id}/"),
    PUT("PUT files/{file_id}/"),
    PATCH("PATCH files/{file_id}/"),
    DELETE("DELETE files/{file_id}/");

    final String label;

    Operation(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  record Fixture(long workspaceId, long fileId) {}

  private Actors actors;
  private Cast cast;

  @BeforeAll
  void cast() {
    cast = new Cast(actors);
  }

  private Fixture fixture() {
    long workspace = cast.stage("Files matrix").workspaceId();
    long file = Actors.expect(actors.post(cast.projectOwner, files(workspace),
        new JsonObject().put("path", "main.py").put("content", "print(1)")), 201).getLong("id");
    return new Fixture(workspace, file);
  }

  private HttpResponse<Buffer> perform(Operation op, Actor caller, Fixture f) {
    return switch (op) {
      case LIST -> actors.get(caller, files(f.workspaceId()));
      case CREATE -> actors.post(caller, files(f.workspaceId()), new JsonObject().put("path", "new.py").put("content", "x"));
      case GET -> actors.get(caller, file(f.workspaceId(), f.fileId()));
      case PUT -> actors.put(caller, file(f.workspaceId(), f.fileId()), new JsonObject().put("content", "changed"));
      case PATCH -> actors.patch(caller, file(f.workspaceId(), f.fileId()), new JsonObject().put("path", "moved.py"));
      case DELETE -> actors.delete(caller, file(f.workspaceId(), f.fileId()));
    };
  }

  private static Stream<Arguments> row(Operation op, int... statuses) {
    return Cast.row(op, List.of(Who.values()), statuses);
  }

  static Stream<Arguments> matrix() {
    return Cast.table(
        //                       project  workspace collabo- viewer  anyone  no
        //                       owner    owner     rator            else    token
        row(Operation.LIST,       200,     200,      200,     200,    404,    401),
        row(Operation.CREATE,     201,     201,      201,     403,    404,    401),
        row(Operation.GET,        200,     200,      200,     200,    404,    401),
        row(Operation.PUT,        200,     200,      200,     403,    404,    401),
        row(Operation.PATCH,      200,     200,      200,     403,    404,    401),
        row(Operation.DELETE,     204,     204,      204,     403,    404,    401));
  }

  @ParameterizedTest(name = "{0} by the {1} → {2}")
  @MethodSource("matrix")
  @DisplayName("each files operation answers each role as the matrix says; refusals change nothing")
  void cell(Operation op, Who who, int expected) {
    Fixture f = fixture();
    Cast.assertCell(op + " by the " + who, expected, () -> state(f), () -> perform(op, cast.actor(who), f));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Operation.class)
  @DisplayName("an outsider's 404 for a hidden workspace's files looks exactly like the 404 for a workspace that does not exist")
  void hiddenLooksMissing(Operation op) {
    Fixture hidden = fixture();
    Fixture missing = new Fixture(hidden.workspaceId() + 1_000_000, hidden.fileId() + 1_000_000);

    HttpResponse<Buffer> forHidden = perform(op, cast.outsider, hidden);
    HttpResponse<Buffer> forMissing = perform(op, cast.outsider, missing);

    Cast.assertBothNotFound(forHidden, forMissing);
    assertThat(forHidden.bodyAsJsonObject()).isEqualTo(forMissing.bodyAsJsonObject());
  }

  /** The files as the project owner sees them, contents included. */
  private String state(Fixture f) {
    StringBuilder out = new StringBuilder(actors.get(cast.projectOwner, files(f.workspaceId())).bodyAsString());
    out.append(actors.get(cast.projectOwner, file(f.workspaceId(), f.fileId())).bodyAsString());
    return out.toString();
  }
}
