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
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.collab.support.Actors.PROJECTS;
import static io.collab.support.Actors.WORKSPACES;
import static io.collab.support.Actors.project;
import static io.collab.support.Errors.assertError;
import static io.collab.support.Errors.assertValidationFailed;
import static io.collab.workspace.Checks.PROJECT_KEYS;
import static io.collab.workspace.Checks.UTC_TIMESTAMP;
import static io.collab.workspace.Checks.ids;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Projects (/api/projects/projects/)")
class ProjectsTest extends WorkspaceResourceContract {

  private static final WorkspaceResource PROJECT = WorkspaceResource.projects(PROJECT_KEYS);

  private Actors actors;
  private Database db;
  private Actor alice;

  @Override
  protected Actors actors() {
    return actors;
  }

  @Override
  protected WorkspaceResource resource() {
    return PROJECT;
  }

  @Override
  protected Actor caller() {
    return alice;
  }

  // ---- create and read -----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("POST creates a project owned by the caller: 201 with exactly id, name, description, owner, created_at")
  void createAnswersTheSeedShape() {
    Instant before = Instant.now().minusSeconds(5);
    HttpResponse<Buffer> response = actors.post(alice, PROJECTS,
        new JsonObject().put("name", "My Project").put("description", "Demo project"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder(PROJECT_KEYS);
    assertThat(body.getValue("id")).isInstanceOf(Number.class);
    assertThat(body.getLong("id")).isPositive();
    assertThat(body.getString("name")).isEqualTo("My Project");
    assertThat(body.getString("description")).isEqualTo("Demo project");
    assertThat(body.getValue("owner")).isInstanceOf(Number.class);
    assertThat(body.getLong("owner")).isEqualTo(alice.id());
    assertThat(body.getString("created_at")).matches(UTC_TIMESTAMP);
    assertThat(Instant.parse(body.getString("created_at"))).isBetween(before, Instant.now().plusSeconds(5));
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

  @Test
  @DisplayName("PUT replaces name and description and answers 200 with the new representation")
  void putReplaces() {
    JsonObject created = actors.createProject(alice, "Before", "old");
    long id = created.getLong("id");

    HttpResponse<Buffer> response = actors.put(alice, project(id),
        new JsonObject().put("name", "After").put("description", "new"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder(PROJECT_KEYS);
    assertThat(body.getString("name")).isEqualTo("After");
    assertThat(body.getString("description")).isEqualTo("new");
    assertThat(body.getLong("id")).isEqualTo(id);
    assertThat(body.getLong("owner")).isEqualTo(alice.id());
    assertThat(body.getString("created_at")).isEqualTo(created.getString("created_at"));
    assertThat(actors.get(alice, project(id)).bodyAsJsonObject()).isEqualTo(body);
  }

  @Test
  @DisplayName("PATCH changes only the fields sent")
  void patchChangesOnlyWhatIsSent() {
    JsonObject created = actors.createProject(alice, "Keep this name", "old description");
    long id = created.getLong("id");

    HttpResponse<Buffer> response = actors.patch(alice, project(id), new JsonObject().put("description", "new description"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject expected = created.copy().put("description", "new description");
    assertThat(response.bodyAsJsonObject()).isEqualTo(expected);
    assertThat(actors.get(alice, project(id)).bodyAsJsonObject()).isEqualTo(expected);
  }

  @Test
  @DisplayName("Unknown and read-only fields in a PUT (id, owner, created_at, anything else) are ignored")
  void putIgnoresUnknownFields() {
    JsonObject created = actors.createProject(alice, "Ignore", "fields");
    long id = created.getLong("id");

    HttpResponse<Buffer> response = actors.put(alice, project(id), new JsonObject()
        .put("name", "Renamed").put("description", "d")
        .put("id", 999).put("owner", 12345).put("created_at", "x").put("colour", "blue"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject now = actors.get(alice, project(id)).bodyAsJsonObject();
    assertThat(now.getLong("id")).isEqualTo(id);
    assertThat(now.getLong("owner")).isEqualTo(alice.id());
    assertThat(now.getString("created_at")).isEqualTo(created.getString("created_at"));
    assertThat(now.getString("name")).isEqualTo("Renamed");
    assertThat(now.fieldNames()).containsExactlyInAnyOrder(PROJECT_KEYS);
    assertThat(actors.get(alice, project(999)).statusCode()).isEqualTo(404);
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
    Actor carol = actors.register("carol");
    long bobs = actors.createProject(bob, "Bob's own").getLong("id");
    long carolsShared = actors.createProject(carol, "Carol's shared").getLong("id");
    long carolsPrivate = actors.createProject(carol, "Carol's private").getLong("id");
    long sharedWs = actors.createWorkspace(carol, carolsShared, "shared ws").getLong("id");
    actors.createWorkspace(carol, carolsPrivate, "private ws");
    actors.addMember(carol, sharedWs, bob, "viewer");

    HttpResponse<Buffer> response = actors.get(bob, PROJECTS);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonArray list = response.bodyAsJsonArray();
    assertThat(ids(list)).containsExactly(Math.min(bobs, carolsShared), Math.max(bobs, carolsShared));
    list.forEach(item -> assertThat(((JsonObject) item).fieldNames()).containsExactlyInAnyOrder(PROJECT_KEYS));
  }

  @Test
  @DisplayName("A project shared through several workspaces is listed once")
  void listHasNoDuplicates() {
    Actor erin = actors.register("erin");
    Actor frank = actors.register("frank");
    long projectId = actors.createProject(erin, "Many workspaces").getLong("id");
    for (int i = 0; i < 3; i++) {
      long ws = actors.createWorkspace(erin, projectId, "ws " + i).getLong("id");
      actors.addMember(erin, ws, frank, "viewer");
    }

    assertThat(ids(actors.get(frank, PROJECTS).bodyAsJsonArray())).containsExactly(projectId);
  }

  // ---- validation ----------------------------------------------------------------------------------------------------

  static Stream<Arguments> invalidBodies() {
    return Stream.of(
        Arguments.of("an empty name", new JsonObject().put("name", "").put("description", ""), "name"),
        Arguments.of("a name of 256 characters", new JsonObject().put("name", "n".repeat(256)).put("description", ""), "name"),
        Arguments.of("no name", new JsonObject().put("description", "no name"), "name"),
        Arguments.of("a null name", new JsonObject().putNull("name").put("description", ""), "name"),
        Arguments.of("a numeric name", new JsonObject().put("name", 42).put("description", ""), "name"),
        Arguments.of("a description of 10,001 characters",
            new JsonObject().put("name", "ok").put("description", "d".repeat(10_001)), "description"));
  }

  @ParameterizedTest(name = "POST with {0} → 400 fields.{2}")
  @MethodSource("invalidBodies")
  @DisplayName("POST refuses invalid bodies with 400 validation_failed naming the field")
  void postValidation(String what, JsonObject body, String field) {
    HttpResponse<Buffer> response = actors.post(alice, PROJECTS, body);

    assertValidationFailed(response, field);
  }

  @ParameterizedTest(name = "PUT with {0} → 400 fields.{2}")
  @MethodSource("invalidBodies")
  @DisplayName("PUT refuses invalid bodies with 400 validation_failed naming the field, and changes nothing")
  void putValidation(String what, JsonObject body, String field) {
    JsonObject created = actors.createProject(alice, "Valid", "valid");

    HttpResponse<Buffer> response = actors.put(alice, project(created.getLong("id")), body);

    assertValidationFailed(response, field);
    assertThat(actors.get(alice, project(created.getLong("id"))).bodyAsJsonObject()).isEqualTo(created);
  }

  @ParameterizedTest(name = "PATCH with {0}")
  @ValueSource(ints = {0, 256})
  @DisplayName("PATCH refuses a name of 0 or 256 characters with 400 fields.name")
  void patchNameLength(int length) {
    JsonObject created = actors.createProject(alice, "Valid", "valid");

    HttpResponse<Buffer> response = actors.patch(alice, project(created.getLong("id")),
        new JsonObject().put("name", "n".repeat(length)));

    assertValidationFailed(response, "name");
    assertThat(actors.get(alice, project(created.getLong("id"))).bodyAsJsonObject()).isEqualTo(created);
  }

  @Test
  @DisplayName("PATCH refuses a description of 10,001 characters with 400 fields.description")
  void patchDescriptionLength() {
    long id = actors.createProject(alice, "Valid").getLong("id");

    HttpResponse<Buffer> response = actors.patch(alice, project(id), new JsonObject().put("description", "d".repeat(10_001)));

    assertValidationFailed(response, "description");
  }

  @Test
  @DisplayName("The bounds themselves are accepted: a 1-character and a 255-character name, a 10,000-character description")
  void boundsAccepted() {
    HttpResponse<Buffer> shortest = actors.post(alice, PROJECTS, new JsonObject().put("name", "x").put("description", ""));
    HttpResponse<Buffer> longest = actors.post(alice, PROJECTS,
        new JsonObject().put("name", "n".repeat(255)).put("description", "d".repeat(10_000)));

    assertThat(shortest.statusCode()).isEqualTo(201);
    assertThat(longest.statusCode()).isEqualTo(201);
    assertThat(longest.bodyAsJsonObject().getString("name")).hasSize(255);
    assertThat(longest.bodyAsJsonObject().getString("description")).hasSize(10_000);
  }

  @Test
  @DisplayName("Lengths count characters, not UTF-16 units or bytes: 255 emoji make a valid name, 256 do not")
  void lengthsCountCharacters() {
    String emoji255 = "🚀".repeat(255);

    HttpResponse<Buffer> ok = actors.post(alice, PROJECTS, new JsonObject().put("name", emoji255));
    HttpResponse<Buffer> tooLong = actors.post(alice, PROJECTS, new JsonObject().put("name", emoji255 + "🚀"));

    assertThat(ok.statusCode()).isEqualTo(201);
    assertThat(ok.bodyAsJsonObject().getString("name")).isEqualTo(emoji255);
    assertValidationFailed(tooLong, "name");
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

  static Stream<Arguments> nulCharacter() {
    return Stream.of(
        Arguments.of("POST", "name"), Arguments.of("POST", "description"),
        Arguments.of("PUT", "name"), Arguments.of("PUT", "description"),
        Arguments.of("PATCH", "name"), Arguments.of("PATCH", "description"));
  }

  @ParameterizedTest(name = "{0} with a NUL in {1} → 400 validation_failed")
  @MethodSource("nulCharacter")
  @DisplayName("A NUL character, which PostgreSQL text cannot hold, is refused with 400 validation_failed, never 500")
  void nulIsRefused(String method, String field) {
    JsonObject body = new JsonObject().put("name", "fine").put("description", "fine").put(field, "before\u0000after");
    HttpResponse<Buffer> response;
    if (method.equals("POST")) {
      response = actors.post(alice, PROJECTS, body);
    } else {
      JsonObject created = actors.createProject(alice, "nul target", "unchanged");
      String path = project(created.getLong("id"));
      response = method.equals("PUT") ? actors.put(alice, path, body)
          : actors.patch(alice, path, new JsonObject().put(field, "before\u0000after"));
      assertThat(actors.get(alice, path).bodyAsJsonObject()).isEqualTo(created);
    }

    assertValidationFailed(response, field);
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
