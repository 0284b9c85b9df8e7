package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.workspace.Cast.Who;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static io.collab.workspace.FilesTest.file;
import static io.collab.workspace.FilesTest.files;
import static io.collab.workspace.PermissionMatrixTest.assertHiddenLooksMissing;

/**
 * Who may do what with workspace files, cell by cell: members read (viewers included), owners and collaborators
 * write, anyone else gets 404 for everything (the list included), and a caller without a token 401. Every cell gets
 * a fresh workspace holding one file.
 */
@CollabTest
@DisplayName("The files permission matrix")
class FilePermissionsTest {

  /** A row of the table: a request to the fixture's workspace, to its file where the path names one; no body if null. */
  record Operation(HttpMethod method, String path, JsonObject body) {

    static final Operation LIST = new Operation(HttpMethod.GET, "files/", null);
    static final Operation CREATE = new Operation(HttpMethod.POST, "files/", new JsonObject().put("path", "new.py").put("content", "x"));
    static final Operation GET = new Operation(HttpMethod.GET, "files/{file_id}/", null);
    static final Operation PUT = new Operation(HttpMethod.PUT, "files/{file_id}/", new JsonObject().put("content", "changed"));
    static final Operation PATCH = new Operation(HttpMethod.PATCH, "files/{file_id}/", new JsonObject().put("path", "moved.py"));
    static final Operation DELETE = new Operation(HttpMethod.DELETE, "files/{file_id}/", null);

    @Override
    public String toString() {
      return method + " " + path;
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
    String path = Actors.workspace(f.workspaceId()) + op.path().replace("{file_id}", String.valueOf(f.fileId()));
    HttpRequest<Buffer> request = actors.request(caller, op.method(), path);
    return (op.body() == null ? request.send() : request.sendJsonObject(op.body())).await();
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

  /** The table's rows. */
  static Stream<Operation> operations() {
    return matrix().map(cell -> (Operation) cell.get()[0]).distinct();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("operations")
  @DisplayName("an outsider's 404 for a hidden workspace's files looks exactly like the 404 for a workspace that does not exist")
  void hiddenLooksMissing(Operation op) {
    Fixture hidden = fixture();

    assertHiddenLooksMissing(f -> perform(op, cast.outsider, f), hidden,
        new Fixture(hidden.workspaceId() + 1_000_000, hidden.fileId() + 1_000_000), UnaryOperator.identity());
  }

  /** The files as the project owner sees them, contents included. */
  private String state(Fixture f) {
    StringBuilder out = new StringBuilder(actors.get(cast.projectOwner, files(f.workspaceId())).bodyAsString());
    out.append(actors.get(cast.projectOwner, file(f.workspaceId(), f.fileId())).bodyAsString());
    return out.toString();
  }
}
