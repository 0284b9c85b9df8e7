package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.Database;
import io.collab.support.WorkspaceResource;
import io.collab.support.WorkspaceResourceContract;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.collab.support.Actors.PROJECTS;
import static io.collab.support.Actors.WORKSPACES;
import static io.collab.support.Actors.project;
import static io.collab.support.Errors.assertError;
import static io.collab.support.Errors.assertValidationFailed;
import static io.collab.workspace.Checks.PROJECT_KEYS;
import static io.collab.workspace.Checks.ids;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Projects (/api/projects/projects/)")
class ProjectsTest extends WorkspaceResourceContract {

  private Actors actors;
  private Database db;
  private Actor alice;

  @BeforeAll
  void holdsTheContract() {
    holdsFor(actors, WorkspaceResource.projects(PROJECT_KEYS), alice);
  }

  // ---- create and read -----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("POST creates a project owned by the caller (a numeric owner) with the description sent")
  void createAnswersOwnerAndDescription() {
    HttpResponse<Buffer> response = actors.post(alice, PROJECTS,
        new JsonObject().put("name", "My Project").put("description", "Demo project"));

    assertThat(response.statusCode()).isEqualTo(201);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("description")).isEqualTo("Demo project");
    assertThat(body.getValue("owner")).isInstanceOf(Number.class);
    assertThat(body.getLong("owner")).isEqualTo(alice.id());
  }

  @Test
  @DisplayName("POST with only a name creates a project whose description is the empty string")
  void descriptionDefaultsToEmpty() {
    HttpResponse<Buffer> response = actors.post(alice, PROJECTS, new JsonObject().put("name", "Name only"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.bodyAsJsonObject().getValue("description")).isEqualTo("");
  }

  @Test
  @DisplayName("Without a bearer token the project routes answer 401")
  void requiresAuthentication() {
    assertThat(actors.get(null, PROJECTS).statusCode()).isEqualTo(401);
    assertThat(actors.post(null, PROJECTS, new JsonObject().put("name", "x")).statusCode()).isEqualTo(401);
    assertThat(actors.get(null, project(1)).statusCode()).isEqualTo(401);
  }

  // ---- change and delete ---------------------------------------------------------------------------------------------

  /** A project's description can be changed alone too. */
  @Override
  protected Stream<JsonObject> patches() {
    return Stream.concat(super.patches(), Stream.of(new JsonObject().put("description", "new description")));
  }

  @Test
  @DisplayName("Unknown and read-only fields in a POST are ignored: the caller owns the project, the id is the server's")
  void postIgnoresUnknownFields() {
    HttpResponse<Buffer> response = actors.post(alice, PROJECTS, new JsonObject()
        .put("name", "Mine").put("description", "").put("id", 424242).put("owner", 12345).put("created_at", "x")
        .put("workspaces", new JsonArray().add(1)));

    assertThat(response.statusCode()).isEqualTo(201);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder(PROJECT_KEYS);
    assertThat(body.getLong("id")).isNotEqualTo(424242L);
    assertThat(body.getLong("owner")).isEqualTo(alice.id());
    assertThat(body.getString("created_at")).endsWith("Z");
  }

  @Test
  @DisplayName("DELETE cascades: the project's workspaces and their members are gone over HTTP and in PostgreSQL")
  void deleteCascades() {
    Actor member = actors.register("member");
    long projectId = actors.createProject(alice, "Cascade").getLong("id");
    long first = actors.createWorkspace(alice, projectId, "one").getLong("id");
    long second = actors.createWorkspace(alice, projectId, "two").getLong("id");
    actors.addMember(alice, first, member, "collaborator");
    actors.addMember(alice, second, member, "viewer");

    assertThat(actors.delete(alice, project(projectId)).statusCode()).isEqualTo(204);

    for (long ws : List.of(first, second)) {
      assertThat(actors.get(alice, Actors.workspace(ws)).statusCode()).isEqualTo(404);
      assertThat(actors.get(alice, Actors.members(ws)).statusCode()).isEqualTo(404);
      assertThat(actors.get(member, Actors.workspace(ws)).statusCode()).isEqualTo(404);
    }
    assertThat(ids(actors.get(member, WORKSPACES).bodyAsJsonArray())).doesNotContain(first, second);
    assertThat(ids(actors.get(member, PROJECTS).bodyAsJsonArray())).doesNotContain(projectId);

    assertThat(rowsReferencing("project_id", projectId)).as("rows with project_id = %d", projectId).isZero();
    assertThat(rowsReferencing("workspace_id", first)).as("rows with workspace_id = %d", first).isZero();
    assertThat(rowsReferencing("workspace_id", second)).as("rows with workspace_id = %d", second).isZero();
    assertThat(rowsWithId("projects", projectId)).isZero();
    assertThat(rowsWithId("workspaces", first) + rowsWithId("workspaces", second)).isZero();
  }

  // ---- lists ---------------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("GET / lists, as a plain array ordered by id, the projects the caller owns or reaches through a workspace")
  void listOwnedAndReachable() {
    Actor bob = actors.register("bob");
    long bobs = actors.createProject(bob, "Bob's own").getLong("id");
    long shared = actors.createProject(alice, "Alice's shared").getLong("id");
    long unshared = actors.createProject(alice, "Alice's private").getLong("id");
    actors.addMember(alice, actors.createWorkspace(alice, shared, "shared ws").getLong("id"), bob, "viewer");
    actors.createWorkspace(alice, unshared, "private ws");

    assertThat(pages(bob, PROJECTS)).containsExactly(List.of(bobs, shared));
  }

  @Test
  @DisplayName("A project shared through several workspaces is listed once")
  void listHasNoDuplicates() {
    Actor frank = actors.register("frank");
    long projectId = actors.createProject(alice, "Many workspaces").getLong("id");
    for (int i = 0; i < 3; i++) {
      actors.addMember(alice, actors.createWorkspace(alice, projectId, "ws " + i).getLong("id"), frank, "viewer");
    }

    assertThat(pages(frank, PROJECTS)).containsExactly(List.of(projectId));
  }

  // ---- validation ----------------------------------------------------------------------------------------------------

  static Stream<Arguments> invalidDescriptions() {
    return Stream.of("POST", "PUT", "PATCH").flatMap(method -> Stream.of(
        Arguments.of(method, "a description of 10,001 characters", "d".repeat(10_001)),
        Arguments.of(method, "a NUL character in the description", "before\u0000after")));
  }

  @ParameterizedTest(name = "{0} with {1} → 400 fields.description")
  @MethodSource("invalidDescriptions")
  @DisplayName("POST, PUT and PATCH refuse a description of 10,001 characters or with a NUL (which PostgreSQL text cannot hold) with 400 validation_failed, never 500; nothing changes")
  void invalidDescriptionIsRefused(String method, String what, String description) {
    JsonObject body = new JsonObject().put("name", "fine").put("description", description);

    assertValidationFailed(sendRefused(method, body, new JsonObject().put("description", description)), "description");
  }

  @Test
  @DisplayName("The description's bounds are accepted: an empty one and one of 10,000 characters")
  void descriptionBounds() {
    HttpResponse<Buffer> shortest = actors.post(alice, PROJECTS, new JsonObject().put("name", "x").put("description", ""));
    HttpResponse<Buffer> longest = actors.post(alice, PROJECTS, new JsonObject().put("name", "x").put("description", "d".repeat(10_000)));

    assertThat(shortest.statusCode()).isEqualTo(201);
    assertThat(longest.statusCode()).isEqualTo(201);
    assertThat(longest.bodyAsJsonObject().getString("description")).hasSize(10_000);
  }

  @Test
  @DisplayName("A body that is not JSON is 400, not 500")
  void malformedJson() {
    HttpResponse<Buffer> response = actors.sendRaw(alice, HttpMethod.POST, PROJECTS, "{\"name\": ");

    assertThat(response.statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("A JSON array instead of an object is 400 validation_failed, not 500")
  void arrayBody() {
    HttpResponse<Buffer> response = actors.sendRaw(alice, HttpMethod.POST, PROJECTS, "[{\"name\": \"x\"}]");

    assertError(response, 400, "validation_failed");
  }

  // ---- strings are kept exactly --------------------------------------------------------------------------------------

  static Stream<Arguments> awkwardStrings() {
    return Stream.of(
        Arguments.of("double and single quotes", "He said \"hi\" and it's 'fine'"),
        Arguments.of("backslashes", "C:\\path\\to\\file \\\\ \\n \\u0041 \\"),
        Arguments.of("an SQL injection attempt", "'; DROP TABLE projects; --"),
        Arguments.of("LIKE wildcards", "100%_done_%"),
        Arguments.of("an emoji", "Launch 🚀 day"),
        Arguments.of("right-to-left text", "مرحبا بالعالم שלום עולם"),
        Arguments.of("a right-to-left override mark", "abc\u202Edef\u202C"),
        Arguments.of("combining characters", "e\u0301 vs \u00e9"),
        Arguments.of("HTML", "<script>alert('x')</script>&amp;"),
        Arguments.of("control characters other than NUL", "tab\tnewline\ncr\rbell\u0007"),
        Arguments.of("leading and trailing spaces", "  padded  "),
        Arguments.of("a JSON fragment", "{\"name\": [1, 2]}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("awkwardStrings")
  @DisplayName("Names and descriptions are stored and returned exactly as sent")
  void stringsRoundTrip(String what, String value) {
    HttpResponse<Buffer> created = actors.post(alice, PROJECTS, new JsonObject().put("name", value).put("description", value));

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getString("name")).isEqualTo(value);
    assertThat(created.bodyAsJsonObject().getString("description")).isEqualTo(value);
    long id = created.bodyAsJsonObject().getLong("id");
    JsonObject read = actors.get(alice, project(id)).bodyAsJsonObject();
    assertThat(read.getString("name")).isEqualTo(value);
    assertThat(read.getString("description")).isEqualTo(value);
    Row row = db.query("SELECT name, description FROM projects WHERE id = $1", id).iterator().next();
    assertThat(row.getString("name")).isEqualTo(value);
    assertThat(row.getString("description")).isEqualTo(value);
  }

  @Test
  @DisplayName("An SQL injection attempt in a name leaves the projects table intact")
  void injectionIsHarmless() {
    actors.createProject(alice, "'; DROP TABLE projects; --", "\"; DROP TABLE workspaces; --");

    HttpResponse<Buffer> list = actors.get(alice, PROJECTS);

    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.bodyAsJsonArray()).isNotEmpty();
  }

  @Test
  @DisplayName("Strings are stored exactly when changed through PUT and PATCH too")
  void stringsRoundTripOnChange() {
    long id = actors.createProject(alice, "plain").getLong("id");
    String name = "Ünïcødé \"q\" \\ 🚀 %_ 'x";
    String description = "שלום\n'; DROP TABLE projects; --";

    actors.put(alice, project(id), new JsonObject().put("name", name).put("description", "temp"));
    actors.patch(alice, project(id), new JsonObject().put("description", description));

    JsonObject read = actors.get(alice, project(id)).bodyAsJsonObject();
    assertThat(read.getString("name")).isEqualTo(name);
    assertThat(read.getString("description")).isEqualTo(description);
  }

  // ---- helpers -------------------------------------------------------------------------------------------------------

  /** Rows, in any table of the schema that has a column named {@code column}, whose value is {@code id}. */
  private long rowsReferencing(String column, long id) {
    List<String> tables = new ArrayList<>();
    db.query("SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = $1", column)
        .forEach(row -> tables.add(row.getString(0)));
    assertThat(tables).as("tables with a %s column", column).isNotEmpty();
    long total = 0;
    for (String table : tables) {
      total += db.query("SELECT count(*) FROM \"" + table + "\" WHERE " + column + " = $1", id).iterator().next().getLong(0);
    }
    return total;
  }

  private long rowsWithId(String table, long id) {
    return db.query("SELECT count(*) FROM " + table + " WHERE id = $1", id).iterator().next().getLong(0);
  }

}
