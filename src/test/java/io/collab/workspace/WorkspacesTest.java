package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.WorkspaceResource;
import io.collab.support.WorkspaceResourceContract;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static io.collab.support.Actors.WORKSPACES;
import static io.collab.support.Actors.members;
import static io.collab.support.Actors.workspace;
import static io.collab.support.Errors.assertError;
import static io.collab.support.Errors.assertValidationFailed;
import static io.collab.workspace.Checks.UTC_TIMESTAMP;
import static io.collab.workspace.Checks.WORKSPACE_KEYS;
import static io.collab.workspace.Checks.ids;
import static io.collab.workspace.Checks.longs;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Workspaces (/api/projects/workspaces/)")
class WorkspacesTest extends WorkspaceResourceContract {

  private Actors actors;
  private Actor owner;
  private WorkspaceResource workspaces;
  /** The owner's project, where its workspaces go. */
  private long projectId;

  @BeforeAll
  void createProject() {
    workspaces = WorkspaceResource.workspaces(actors, WORKSPACE_KEYS);
    projectId = workspaces.home(owner);
  }

  @Override
  protected Actors actors() {
    return actors;
  }

  @Override
  protected WorkspaceResource resource() {
    return workspaces;
  }

  @Override
  protected Actor caller() {
    return owner;
  }

  // ---- create and read -----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("POST creates a workspace: 201 with exactly the seed keys, the creator as its only owner")
  void createAnswersTheSeedShape() {
    Instant before = Instant.now().minusSeconds(5);

    HttpResponse<Buffer> response = actors.post(owner, WORKSPACES, new JsonObject().put("project", projectId).put("name", "Backend"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder(WORKSPACE_KEYS);
    assertThat(body.getLong("id")).isPositive();
    assertThat(body.getString("name")).isEqualTo("Backend");
    assertThat(body.getValue("project")).isInstanceOf(Number.class);
    assertThat(body.getLong("project")).isEqualTo(projectId);
    assertThat(longs(body.getJsonArray("owners"))).containsExactly(owner.id());
    assertThat(body.getJsonArray("collaborators")).isEmpty();
    assertThat(body.getJsonArray("viewers")).isEmpty();
    assertThat(body.getString("created_at")).matches(UTC_TIMESTAMP);
    assertThat(Instant.parse(body.getString("created_at"))).isBetween(before, Instant.now().plusSeconds(5));
  }

  @Test
  @DisplayName("POST into a project that does not exist is 404 not_found")
  void createInMissingProject() {
    HttpResponse<Buffer> response = actors.post(owner, WORKSPACES, new JsonObject().put("project", 987_654_321L).put("name", "x"));

    assertError(response, 404, "not_found");
  }

  @Test
  @DisplayName("The representation lists members by role, each array holding user ids")
  void representationGroupsMembersByRole() {
    Actor collaborator = actors.register("collab");
    Actor viewer = actors.register("viewer");
    Actor coOwner = actors.register("coowner");
    long id = actors.createWorkspace(owner, projectId, "Roles").getLong("id");
    actors.addMember(owner, id, collaborator, "collaborator");
    actors.addMember(owner, id, viewer, "viewer");
    actors.addMember(owner, id, coOwner, "owner");

    JsonObject body = actors.workspaceAs(owner, id);

    assertThat(longs(body.getJsonArray("owners"))).containsExactlyInAnyOrder(owner.id(), coOwner.id());
    assertThat(longs(body.getJsonArray("collaborators"))).containsExactly(collaborator.id());
    assertThat(longs(body.getJsonArray("viewers"))).containsExactly(viewer.id());
  }

  // ---- change and delete ---------------------------------------------------------------------------------------------

  @Test
  @DisplayName("PUT renames and answers 200 with the new representation")
  void putRenames() {
    JsonObject created = actors.createWorkspace(owner, projectId, "Old");
    long id = created.getLong("id");

    HttpResponse<Buffer> response = actors.put(owner, workspace(id), new JsonObject().put("project", projectId).put("name", "New"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject expected = created.copy().put("name", "New");
    assertThat(response.bodyAsJsonObject()).isEqualTo(expected);
    assertThat(actors.workspaceAs(owner, id)).isEqualTo(expected);
  }

  @Test
  @DisplayName("PATCH renames and answers 200; members stay as they were")
  void patchRenames() {
    Actor viewer = actors.register("viewer");
    long id = actors.createWorkspace(owner, projectId, "Old").getLong("id");
    actors.addMember(owner, id, viewer, "viewer");
    JsonObject before = actors.workspaceAs(owner, id);

    HttpResponse<Buffer> response = actors.patch(owner, workspace(id), new JsonObject().put("name", "Patched"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject()).isEqualTo(before.copy().put("name", "Patched"));
  }

  @Test
  @DisplayName("PATCH cannot move a workspace to another project: `project` is ignored")
  void patchIgnoresProject() {
    long otherProject = actors.createProject(owner, "Other").getLong("id");
    long id = actors.createWorkspace(owner, projectId, "Stays").getLong("id");

    HttpResponse<Buffer> response = actors.patch(owner, workspace(id), new JsonObject().put("project", otherProject).put("name", "Still here"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(actors.workspaceAs(owner, id).getLong("project")).isEqualTo(projectId);
    assertThat(actors.workspaceAs(owner, id).getString("name")).isEqualTo("Still here");
  }

  @Test
  @DisplayName("Unknown and read-only fields (id, created_at, anything else) are ignored on PUT")
  void putIgnoresUnknownFields() {
    JsonObject created = actors.createWorkspace(owner, projectId, "Ignore");
    long id = created.getLong("id");

    HttpResponse<Buffer> response = actors.put(owner, workspace(id), new JsonObject().put("project", projectId).put("name", "Renamed")
        .put("id", 999).put("created_at", "x").put("owner", 12345).put("colour", "blue"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(actors.workspaceAs(owner, id)).isEqualTo(created.copy().put("name", "Renamed"));
  }

  @Test
  @DisplayName("DELETE answers 204; the workspace's member list is then 404 too")
  void deleteTakesTheMembers() {
    long id = actors.createWorkspace(owner, projectId, "Doomed").getLong("id");

    assertThat(actors.delete(owner, workspace(id)).statusCode()).isEqualTo(204);
    assertThat(actors.get(owner, members(id)).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("Deleting a workspace leaves its project and the project's other workspaces alone")
  void deleteIsScoped() {
    long keep = actors.createWorkspace(owner, projectId, "Keep").getLong("id");
    long drop = actors.createWorkspace(owner, projectId, "Drop").getLong("id");

    actors.delete(owner, workspace(drop));

    assertThat(actors.get(owner, workspace(keep)).statusCode()).isEqualTo(200);
    assertThat(actors.get(owner, Actors.project(projectId)).statusCode()).isEqualTo(200);
  }

  // ---- owners / collaborators / viewers in the body ----------------------------------------------------------------

  @Test
  @DisplayName("POST with collaborators and viewers creates the workspace with them; the creator is an owner")
  void createWithRoles() {
    Actor collaborator = actors.register("collab");
    Actor viewer = actors.register("viewer");

    HttpResponse<Buffer> response = actors.post(owner, WORKSPACES, new JsonObject().put("project", projectId).put("name", "Staffed")
        .put("collaborators", new JsonArray().add(collaborator.id())).put("viewers", new JsonArray().add(viewer.id())));

    assertThat(response.statusCode()).isEqualTo(201);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(longs(body.getJsonArray("owners"))).contains(owner.id());
    assertThat(longs(body.getJsonArray("collaborators"))).containsExactly(collaborator.id());
    assertThat(longs(body.getJsonArray("viewers"))).containsExactly(viewer.id());
    assertThat(roleOf(body.getLong("id"), viewer)).isEqualTo("viewer");
  }

  @Test
  @DisplayName("PUT with viewers adds them as viewers, visible in the members API")
  void putSetsViewers() {
    Actor viewer = actors.register("viewer");
    long id = actors.createWorkspace(owner, projectId, "Put roles").getLong("id");

    HttpResponse<Buffer> response = actors.put(owner, workspace(id), new JsonObject().put("project", projectId).put("name", "Put roles")
        .put("viewers", new JsonArray().add(viewer.id())));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(longs(response.bodyAsJsonObject().getJsonArray("viewers"))).containsExactly(viewer.id());
    assertThat(roleOf(id, viewer)).isEqualTo("viewer");
  }

  @Test
  @DisplayName("PATCH with collaborators moves a viewer to collaborator")
  void patchPromotesViewer() {
    Actor member = actors.register("member");
    long id = actors.createWorkspace(owner, projectId, "Patch roles").getLong("id");
    actors.addMember(owner, id, member, "viewer");

    HttpResponse<Buffer> response = actors.patch(owner, workspace(id),
        new JsonObject().put("collaborators", new JsonArray().add(member.id())));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(longs(body.getJsonArray("collaborators"))).containsExactly(member.id());
    assertThat(longs(body.getJsonArray("viewers"))).doesNotContain(member.id());
    assertThat(roleOf(id, member)).isEqualTo("collaborator");
  }

  @Test
  @DisplayName("PATCH with owners adds a second owner")
  void patchAddsOwner() {
    Actor second = actors.register("second");
    long id = actors.createWorkspace(owner, projectId, "Two owners").getLong("id");

    HttpResponse<Buffer> response = actors.patch(owner, workspace(id),
        new JsonObject().put("owners", new JsonArray().add(owner.id()).add(second.id())));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(longs(response.bodyAsJsonObject().getJsonArray("owners"))).containsExactlyInAnyOrder(owner.id(), second.id());
    assertThat(roleOf(id, second)).isEqualTo("owner");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"owners", "collaborators", "viewers"})
  @DisplayName("A role array naming a user that does not exist is 400 validation_failed naming the array; nothing changes")
  void unknownUserInRoleArray(String array) {
    JsonObject created = actors.createWorkspace(owner, projectId, "Unknown user");
    long id = created.getLong("id");
    JsonArray ids = new JsonArray().add(987_654_321L);
    if (array.equals("owners")) {
      ids = new JsonArray().add(owner.id()).add(987_654_321L);
    }

    HttpResponse<Buffer> response = actors.patch(owner, workspace(id), new JsonObject().put(array, ids));

    assertValidationFailed(response, array);
    assertThat(actors.workspaceAs(owner, id)).isEqualTo(created);
  }

  @Test
  @DisplayName("POST with a role array naming a user that does not exist is 400 validation_failed; no workspace is created")
  void unknownUserOnCreate() {
    List<Long> before = ids(actors.get(owner, WORKSPACES).bodyAsJsonArray());

    HttpResponse<Buffer> response = actors.post(owner, WORKSPACES, new JsonObject().put("project", projectId).put("name", "Never")
        .put("viewers", new JsonArray().add(987_654_321L)));

    assertValidationFailed(response, "viewers");
    assertThat(ids(actors.get(owner, WORKSPACES).bodyAsJsonArray())).isEqualTo(before);
  }

  @Test
  @DisplayName("PUT with an empty owners array would leave no owner: 409 last_owner, nothing changes")
  void emptyOwnersIsLastOwner() {
    JsonObject created = actors.createWorkspace(owner, projectId, "Keep an owner");
    long id = created.getLong("id");

    HttpResponse<Buffer> response = actors.put(owner, workspace(id), new JsonObject().put("project", projectId).put("name", "x")
        .put("owners", new JsonArray()));

    assertError(response, 409, "last_owner");
    assertThat(actors.workspaceAs(owner, id)).isEqualTo(created);
  }

  @Test
  @DisplayName("PATCH moving the only owner to viewers would leave no owner: 409 last_owner, nothing changes")
  void demotingOnlyOwnerThroughArraysIsLastOwner() {
    JsonObject created = actors.createWorkspace(owner, projectId, "Keep an owner");
    long id = created.getLong("id");

    HttpResponse<Buffer> response = actors.patch(owner, workspace(id), new JsonObject()
        .put("owners", new JsonArray()).put("viewers", new JsonArray().add(owner.id())));

    assertError(response, 409, "last_owner");
    assertThat(actors.workspaceAs(owner, id)).isEqualTo(created);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"owners", "collaborators", "viewers"})
  @DisplayName("A collaborator sending a role array is refused with 403 forbidden; nothing changes")
  void collaboratorCannotSetRoles(String array) {
    Actor collaborator = actors.register("collab");
    long id = actors.createWorkspace(owner, projectId, "Guarded").getLong("id");
    actors.addMember(owner, id, collaborator, "collaborator");
    JsonObject before = actors.workspaceAs(owner, id);

    HttpResponse<Buffer> response = actors.patch(collaborator, workspace(id),
        new JsonObject().put(array, new JsonArray().add(collaborator.id()).add(owner.id())));

    assertError(response, 403, "forbidden");
    assertThat(actors.workspaceAs(owner, id)).isEqualTo(before);
  }

  // ---- lists ---------------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("GET / lists, ordered by id, the workspaces the caller is a member of, whatever the role, and no others")
  void listMemberOf() {
    Actor stranger = actors.register("stranger");
    Actor member = actors.register("member");
    long strangersProject = actors.createProject(stranger, "Theirs").getLong("id");
    long asViewer = actors.createWorkspace(stranger, strangersProject, "viewer here").getLong("id");
    long notMine = actors.createWorkspace(stranger, strangersProject, "not mine").getLong("id");
    long asCollaborator = actors.createWorkspace(stranger, strangersProject, "collaborator here").getLong("id");
    long asOwner = actors.createWorkspace(stranger, strangersProject, "owner here").getLong("id");
    actors.addMember(stranger, asViewer, member, "viewer");
    actors.addMember(stranger, asCollaborator, member, "collaborator");
    actors.addMember(stranger, asOwner, member, "owner");

    HttpResponse<Buffer> response = actors.get(member, WORKSPACES);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(ids(response.bodyAsJsonArray())).containsExactly(asViewer, asCollaborator, asOwner).doesNotContain(notMine);
    response.bodyAsJsonArray().forEach(item -> assertThat(((JsonObject) item).fieldNames()).containsExactlyInAnyOrder(WORKSPACE_KEYS));
  }

  @Test
  @DisplayName("A project owner lists every workspace of the project, including ones created by a co-owner")
  void listProjectOwnerSeesAll() {
    Actor boss = actors.register("boss");
    Actor coOwner = actors.register("coowner");
    long bossProject = actors.createProject(boss, "Boss").getLong("id");
    long first = actors.createWorkspace(boss, bossProject, "first").getLong("id");
    long second = actors.createWorkspace(boss, bossProject, "second").getLong("id");
    actors.addMember(boss, second, coOwner, "owner");

    HttpResponse<Buffer> response = actors.get(boss, WORKSPACES);

    assertThat(ids(response.bodyAsJsonArray())).containsExactly(first, second);
    assertThat(ids(actors.get(coOwner, WORKSPACES).bodyAsJsonArray())).containsExactly(second);
  }

  // ---- validation ----------------------------------------------------------------------------------------------------

  static Stream<Arguments> invalidNames() {
    return Stream.of(
        Arguments.of("an empty name", new JsonObject().put("name", ""), "name"),
        Arguments.of("a name of 256 characters", new JsonObject().put("name", "n".repeat(256)), "name"),
        Arguments.of("a null name", new JsonObject().putNull("name"), "name"),
        Arguments.of("a NUL character in the name", new JsonObject().put("name", "a\u0000b"), "name"));
  }

  static Stream<Arguments> invalidCreates() {
    return Stream.concat(invalidNames(), Stream.of(Arguments.of("no name", new JsonObject(), "name")));
  }

  @ParameterizedTest(name = "POST with {0} → 400 fields.{2}")
  @MethodSource("invalidCreates")
  @DisplayName("POST refuses an invalid name with 400 validation_failed naming the field")
  void postValidation(String what, JsonObject body, String field) {
    HttpResponse<Buffer> response = actors.post(owner, WORKSPACES, body.copy().put("project", projectId));

    assertValidationFailed(response, field);
  }

  @Test
  @DisplayName("POST without a project is 400 validation_failed with fields.project")
  void postWithoutProject() {
    assertValidationFailed(actors.post(owner, WORKSPACES, new JsonObject().put("name", "orphan")), "project");
  }

  @ParameterizedTest(name = "PATCH with {0} → 400 fields.{2}")
  @MethodSource("invalidNames")
  @DisplayName("PATCH refuses an invalid name with 400 validation_failed naming the field; nothing changes")
  void patchValidation(String what, JsonObject body, String field) {
    JsonObject created = actors.createWorkspace(owner, projectId, "valid");
    long id = created.getLong("id");

    HttpResponse<Buffer> response = actors.patch(owner, workspace(id), body);

    assertValidationFailed(response, field);
    assertThat(actors.workspaceAs(owner, id)).isEqualTo(created);
  }

  @Test
  @DisplayName("The bounds are accepted: 1 and 255 characters")
  void nameBounds() {
    assertThat(actors.post(owner, WORKSPACES, new JsonObject().put("project", projectId).put("name", "x")).statusCode()).isEqualTo(201);
    assertThat(actors.post(owner, WORKSPACES, new JsonObject().put("project", projectId).put("name", "n".repeat(255))).statusCode())
        .isEqualTo(201);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"He said \"hi\" and it's fine", "C:\\path\\to \\\\ \\n", "'; DROP TABLE workspaces; --", "100%_done",
      "Launch 🚀", "مرحبا بالعالم", "  padded  "})
  @DisplayName("Names are stored and returned exactly as sent")
  void namesRoundTrip(String name) {
    HttpResponse<Buffer> created = actors.post(owner, WORKSPACES, new JsonObject().put("project", projectId).put("name", name));

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getString("name")).isEqualTo(name);
    assertThat(actors.workspaceAs(owner, created.bodyAsJsonObject().getLong("id")).getString("name")).isEqualTo(name);
  }

  private String roleOf(long workspaceId, Actor who) {
    for (Object item : actors.membersAs(owner, workspaceId)) {
      JsonObject member = (JsonObject) item;
      if (member.getLong("user_id") == who.id()) {
        return member.getString("role");
      }
    }
    return null;
  }
}
