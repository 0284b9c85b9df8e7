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
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.stream.Stream;

import static io.collab.support.Actors.WORKSPACES;
import static io.collab.support.Actors.members;
import static io.collab.support.Actors.workspace;
import static io.collab.support.Errors.assertError;
import static io.collab.support.Errors.assertValidationFailed;
import static io.collab.workspace.Checks.WORKSPACE_KEYS;
import static io.collab.workspace.Checks.ids;
import static io.collab.workspace.Checks.longs;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Workspaces (/api/projects/workspaces/)")
class WorkspacesTest extends WorkspaceResourceContract {

  private Actors actors;
  private Actor owner;
  private static final List<String> ROLE_ARRAYS = List.of("owners", "collaborators", "viewers");

  /** The owner's project, where its workspaces go. */
  private long projectId;

  @BeforeAll
  void holdsTheContract() {
    WorkspaceResource workspaces = WorkspaceResource.workspaces(actors, WORKSPACE_KEYS);
    projectId = workspaces.home(owner);
    holdsFor(actors, workspaces, owner);
  }

  // ---- create and read -----------------------------------------------------------------------------------------------

  @Test
  @DisplayName("POST creates a workspace in the project sent (a numeric project), the creator as its only owner")
  void createAnswersProjectAndOwner() {
    HttpResponse<Buffer> response = actors.post(owner, WORKSPACES, new JsonObject().put("project", projectId).put("name", "Backend"));

    assertThat(response.statusCode()).isEqualTo(201);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getValue("project")).isInstanceOf(Number.class);
    assertThat(body.getLong("project")).isEqualTo(projectId);
    assertThat(longs(body.getJsonArray("owners"))).containsExactly(owner.id());
    assertThat(body.getJsonArray("collaborators")).isEmpty();
    assertThat(body.getJsonArray("viewers")).isEmpty();
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
    JsonObject name = new JsonObject().put("name", "Still here");
    long otherProject = actors.createProject(owner, "Other").getLong("id");

    assertChangedTo(item -> actors.patch(owner, item, name.copy().put("project", otherProject)), name);
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

  @ParameterizedTest(name = "{0} with {2}, the user a {1} before")
  @CsvSource({"PUT, stranger, viewers", "PATCH, viewer, collaborators", "PATCH, stranger, owners"})
  @DisplayName("PUT and PATCH with a role array give the users named there that role, in the answer and the members API")
  void roleArraySetsRole(String method, String roleBefore, String array) {
    Actor member = actors.register("member");
    long id = actors.createWorkspace(owner, projectId, "Roles").getLong("id");
    if (!roleBefore.equals("stranger")) {
      actors.addMember(owner, id, member, roleBefore);
    }
    // The owners array names the owner too: it would be a last_owner refusal otherwise.
    JsonArray named = array.equals("owners") ? new JsonArray().add(owner.id()).add(member.id()) : new JsonArray().add(member.id());

    HttpResponse<Buffer> response = method.equals("PUT")
        ? actors.put(owner, workspace(id), new JsonObject().put("project", projectId).put("name", "Roles").put(array, named))
        : actors.patch(owner, workspace(id), new JsonObject().put(array, named));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(longs(body.getJsonArray(array))).containsExactlyInAnyOrderElementsOf(longs(named));
    for (String other : ROLE_ARRAYS) {
      if (!other.equals(array)) {
        assertThat(longs(body.getJsonArray(other))).as(other).doesNotContain(member.id());
      }
    }
    assertThat(roleOf(id, member)).isEqualTo(array.substring(0, array.length() - 1));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"owners", "collaborators", "viewers"})
  @DisplayName("A role array naming a user that does not exist is 400 validation_failed naming the array; nothing changes")
  void unknownUserInRoleArray(String array) {
    JsonArray ids = new JsonArray().add(987_654_321L);
    if (array.equals("owners")) {
      ids = new JsonArray().add(owner.id()).add(987_654_321L);
    }
    JsonObject change = new JsonObject().put(array, ids);

    HttpResponse<Buffer> response = changingNothing(path -> actors.patch(owner, path, change));

    assertValidationFailed(response, array);
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

  Stream<Arguments> changesLeavingNoOwner() {
    return Stream.of(
        Arguments.of("PUT with an empty owners array", "PUT",
            new JsonObject().put("project", projectId).put("name", "x").put("owners", new JsonArray())),
        Arguments.of("PATCH moving the only owner to viewers", "PATCH",
            new JsonObject().put("owners", new JsonArray()).put("viewers", new JsonArray().add(owner.id()))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changesLeavingNoOwner")
  @DisplayName("A PUT or PATCH that would leave no owner is 409 last_owner; nothing changes")
  void leavingNoOwnerIsLastOwner(String what, String method, JsonObject change) {
    HttpResponse<Buffer> response = changingNothing(path -> method.equals("PUT")
        ? actors.put(owner, path, change) : actors.patch(owner, path, change));

    assertError(response, 409, "last_owner");
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
    Actor member = actors.register("member");
    long asViewer = actors.createWorkspace(owner, projectId, "viewer here").getLong("id");
    actors.createWorkspace(owner, projectId, "not theirs");
    long asCollaborator = actors.createWorkspace(owner, projectId, "collaborator here").getLong("id");
    long asOwner = actors.createWorkspace(owner, projectId, "owner here").getLong("id");
    actors.addMember(owner, asViewer, member, "viewer");
    actors.addMember(owner, asCollaborator, member, "collaborator");
    actors.addMember(owner, asOwner, member, "owner");

    assertThat(pages(member, WORKSPACES)).containsExactly(List.of(asViewer, asCollaborator, asOwner));
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

  @Test
  @DisplayName("POST without a project is 400 validation_failed with fields.project")
  void postWithoutProject() {
    assertValidationFailed(actors.post(owner, WORKSPACES, new JsonObject().put("name", "orphan")), "project");
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
