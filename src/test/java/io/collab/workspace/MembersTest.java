package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.collab.support.Actors.member;
import static io.collab.support.Actors.members;
import static io.collab.support.Actors.workspace;
import static io.collab.support.Errors.assertError;
import static io.collab.support.Errors.assertValidationFailed;
import static io.collab.workspace.Checks.MEMBER_KEYS;
import static io.collab.workspace.Checks.ids;
import static io.collab.workspace.Checks.longs;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Workspace members (/api/projects/workspaces/{id}/members/)")
class MembersTest {

  private Actors actors;
  private Actor owner;
  private long projectId;

  @BeforeAll
  void createProject() {
    projectId = actors.createProject(owner, "Members home").getLong("id");
  }

  private long newWorkspace() {
    return actors.createWorkspace(owner, projectId, "ws").getLong("id");
  }

  // ---- listing -------------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("GET lists the creator as owner, with exactly user_id, email, username, role")
  void creatorIsListedAsOwner() {
    long ws = newWorkspace();

    HttpResponse<Buffer> response = actors.get(owner, members(ws));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonArray list = response.bodyAsJsonArray();
    assertThat(list).hasSize(1);
    JsonObject only = list.getJsonObject(0);
    assertThat(only.fieldNames()).containsExactlyInAnyOrder(MEMBER_KEYS);
    assertThat(only).isEqualTo(new JsonObject().put("user_id", owner.id()).put("email", owner.email())
        .put("username", owner.username()).put("role", "owner"));
  }

  @Test
  @DisplayName("GET lists members ordered by user id, whatever order they were added in")
  void orderedByUserId() {
    long ws = newWorkspace();
    Actor first = actors.register("first");
    Actor second = actors.register("second");
    Actor third = actors.register("third");
    actors.addMember(owner, ws, third, "viewer");
    actors.addMember(owner, ws, first, "collaborator");
    actors.addMember(owner, ws, second, "owner");

    JsonArray list = actors.membersAs(owner, ws);

    List<Long> userIds = new ArrayList<>();
    list.forEach(item -> userIds.add(((JsonObject) item).getLong("user_id")));
    assertThat(userIds).containsExactly(owner.id(), first.id(), second.id(), third.id());
  }

  @Test
  @DisplayName("GET without the trailing slash works the same")
  void listWithoutTrailingSlash() {
    long ws = newWorkspace();

    HttpResponse<Buffer> response = actors.get(owner, workspace(ws) + "members");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonArray()).hasSize(1);
  }

  @Test
  @DisplayName("GET for a workspace that does not exist is 404 not_found")
  void listMissingWorkspace() {
    assertError(actors.get(owner, members(987_654_321L)), 404, "not_found");
  }

  // ---- adding --------------------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "POST '{'{0}, role'}' adds the user: 201 with the member object")
  @CsvSource({"email, viewer", "user_id, collaborator"})
  void add(String namedBy, String role) {
    long ws = newWorkspace();
    Actor newcomer = actors.register("by" + namedBy);
    Object name = namedBy.equals("email") ? newcomer.email() : newcomer.id();

    HttpResponse<Buffer> response = actors.post(owner, members(ws), new JsonObject().put(namedBy, name).put("role", role));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.bodyAsJsonObject()).isEqualTo(new JsonObject().put("user_id", newcomer.id())
        .put("email", newcomer.email()).put("username", newcomer.username()).put("role", role));
    assertThat(actors.membersAs(owner, ws)).contains(response.bodyAsJsonObject());
  }

  @Test
  @DisplayName("POST without the trailing slash works the same")
  void addWithoutTrailingSlash() {
    long ws = newWorkspace();
    Actor newcomer = actors.register("slashless");

    HttpResponse<Buffer> response = actors.post(owner, workspace(ws) + "members",
        new JsonObject().put("user_id", newcomer.id()).put("role", "viewer"));

    assertThat(response.statusCode()).isEqualTo(201);
  }

  @Test
  @DisplayName("An added member sees the workspace and its project")
  void addedMemberSeesWorkspace() {
    long ws = newWorkspace();
    Actor newcomer = actors.register("sees");
    assertThat(actors.get(newcomer, workspace(ws)).statusCode()).isEqualTo(404);

    actors.addMember(owner, ws, newcomer, "viewer");

    assertThat(actors.get(newcomer, workspace(ws)).statusCode()).isEqualTo(200);
    assertThat(actors.get(newcomer, Actors.project(projectId)).statusCode()).isEqualTo(200);
    assertThat(ids(actors.get(newcomer, Actors.WORKSPACES).bodyAsJsonArray())).containsExactly(ws);
  }

  @ParameterizedTest(name = "already {0}")
  @ValueSource(strings = {"owner", "collaborator", "viewer"})
  @DisplayName("Adding someone who is already a member is 409 already_member, and their role stays")
  void addExistingMember(String role) {
    long ws = newWorkspace();
    Actor existing = actors.register("existing");
    if (!role.equals("owner")) {
      actors.addMember(owner, ws, existing, role);
    }
    Actor target = role.equals("owner") ? owner : existing;
    JsonArray before = actors.membersAs(owner, ws);

    HttpResponse<Buffer> response = actors.post(owner, members(ws), new JsonObject().put("user_id", target.id()).put("role", "viewer"));

    assertError(response, 409, "already_member");
    assertThat(actors.membersAs(owner, ws)).isEqualTo(before);
  }

  @Test
  @DisplayName("Adding an already-member by email is 409 as well")
  void addExistingMemberByEmail() {
    long ws = newWorkspace();
    Actor existing = actors.register("existing");
    actors.addMember(owner, ws, existing, "viewer");

    HttpResponse<Buffer> response = actors.post(owner, members(ws), new JsonObject().put("email", existing.email()).put("role", "owner"));

    assertError(response, 409, "already_member");
  }

  @Test
  @DisplayName("An email no account has is 400 validation_failed with fields.email")
  void unknownEmail() {
    long ws = newWorkspace();

    HttpResponse<Buffer> response = actors.post(owner, members(ws), new JsonObject().put("email", "nobody-at-all@example.test").put("role", "viewer"));

    assertValidationFailed(response, "email");
    assertThat(actors.membersAs(owner, ws)).hasSize(1);
  }

  @Test
  @DisplayName("A user id no account has is 400 validation_failed with fields.user_id")
  void unknownUserId() {
    long ws = newWorkspace();

    HttpResponse<Buffer> response = actors.post(owner, members(ws), new JsonObject().put("user_id", 987_654_321L).put("role", "viewer"));

    assertValidationFailed(response, "user_id");
    assertThat(actors.membersAs(owner, ws)).hasSize(1);
  }

  @ParameterizedTest(name = "role \"{0}\"")
  @ValueSource(strings = {"admin", "", "Owner", "VIEWER"})
  @DisplayName("A role other than owner, collaborator or viewer is 400 validation_failed with fields.role")
  void badRoleOnAdd(String role) {
    long ws = newWorkspace();
    Actor newcomer = actors.register("badrole");

    HttpResponse<Buffer> response = actors.post(owner, members(ws), new JsonObject().put("user_id", newcomer.id()).put("role", role));

    assertValidationFailed(response, "role");
    assertThat(actors.membersAs(owner, ws)).hasSize(1);
  }

  @Test
  @DisplayName("An email with a NUL character is 400 validation_failed, never 500")
  void nulInEmail() {
    long ws = newWorkspace();

    assertValidationFailed(actors.post(owner, members(ws), new JsonObject().put("email", "a\u0000b@example.test").put("role", "viewer")),
        "email");
  }

  @Test
  @DisplayName("A missing role is 400 validation_failed with fields.role")
  void missingRole() {
    long ws = newWorkspace();
    Actor newcomer = actors.register("norole");

    assertValidationFailed(actors.post(owner, members(ws), new JsonObject().put("user_id", newcomer.id())), "role");
  }

  @Test
  @DisplayName("Naming nobody (neither email nor user_id) is 400 validation_failed")
  void neitherEmailNorUserId() {
    long ws = newWorkspace();

    HttpResponse<Buffer> response = actors.post(owner, members(ws), new JsonObject().put("role", "viewer"));

    assertError(response, 400, "validation_failed");
  }

  // ---- changing roles ------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("PATCH /{user_id}/ {role} changes the role: 200 with the member object; lists and workspace agree")
  void changeRole() {
    long ws = newWorkspace();
    Actor member = actors.register("promoted");
    actors.addMember(owner, ws, member, "viewer");

    HttpResponse<Buffer> response = actors.patch(owner, member(ws, member.id()), new JsonObject().put("role", "collaborator"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject expected = new JsonObject().put("user_id", member.id()).put("email", member.email())
        .put("username", member.username()).put("role", "collaborator");
    assertThat(response.bodyAsJsonObject()).isEqualTo(expected);
    assertThat(actors.membersAs(owner, ws)).contains(expected);
    JsonObject wsBody = actors.workspaceAs(owner, ws);
    assertThat(longs(wsBody.getJsonArray("collaborators"))).containsExactly(member.id());
    assertThat(longs(wsBody.getJsonArray("viewers"))).isEmpty();
  }

  @Test
  @DisplayName("PATCH without the trailing slash works the same")
  void changeRoleWithoutTrailingSlash() {
    long ws = newWorkspace();
    Actor member = actors.register("slashless");
    actors.addMember(owner, ws, member, "viewer");

    HttpResponse<Buffer> response = actors.patch(owner, members(ws) + member.id(), new JsonObject().put("role", "owner"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("role")).isEqualTo("owner");
  }

  @Test
  @DisplayName("PATCH with a bad role is 400 validation_failed with fields.role; the role stays")
  void badRoleOnChange() {
    long ws = newWorkspace();
    Actor member = actors.register("member");
    actors.addMember(owner, ws, member, "viewer");

    assertValidationFailed(actors.patch(owner, member(ws, member.id()), new JsonObject().put("role", "superuser")), "role");
    assertThat(longs(actors.workspaceAs(owner, ws).getJsonArray("viewers"))).containsExactly(member.id());
  }

  @Test
  @DisplayName("PATCH of a user who is not a member is 404 not_found")
  void changeRoleOfNonMember() {
    long ws = newWorkspace();
    Actor stranger = actors.register("stranger");

    assertError(actors.patch(owner, member(ws, stranger.id()), new JsonObject().put("role", "viewer")), 404, "not_found");
  }

  @Test
  @DisplayName("Demoting the last owner is 409 last_owner; they stay owner")
  void demoteLastOwner() {
    long ws = newWorkspace();

    HttpResponse<Buffer> response = actors.patch(owner, member(ws, owner.id()), new JsonObject().put("role", "collaborator"));

    assertError(response, 409, "last_owner");
    assertThat(longs(actors.workspaceAs(owner, ws).getJsonArray("owners"))).containsExactly(owner.id());
  }

  @Test
  @DisplayName("With a second owner, one owner can be demoted")
  void demoteOneOfTwoOwners() {
    long ws = newWorkspace();
    Actor second = actors.register("second");
    actors.addMember(owner, ws, second, "owner");

    HttpResponse<Buffer> response = actors.patch(owner, member(ws, second.id()), new JsonObject().put("role", "viewer"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(longs(actors.workspaceAs(owner, ws).getJsonArray("owners"))).containsExactly(owner.id());
  }

  @Test
  @DisplayName("Setting an owner's role to owner again is accepted and changes nothing")
  void sameRoleIsHarmless() {
    long ws = newWorkspace();

    HttpResponse<Buffer> response = actors.patch(owner, member(ws, owner.id()), new JsonObject().put("role", "owner"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(longs(actors.workspaceAs(owner, ws).getJsonArray("owners"))).containsExactly(owner.id());
  }

  // ---- removing ------------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("DELETE /{user_id}/ removes the member: 204; they no longer see the workspace")
  void removeMember() {
    long ws = newWorkspace();
    Actor member = actors.register("removed");
    actors.addMember(owner, ws, member, "collaborator");

    HttpResponse<Buffer> response = actors.delete(owner, member(ws, member.id()));

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(actors.membersAs(owner, ws)).hasSize(1);
    assertThat(actors.get(member, workspace(ws)).statusCode()).isEqualTo(404);
    assertThat(ids(actors.get(member, Actors.WORKSPACES).bodyAsJsonArray())).doesNotContain(ws);
  }

  @Test
  @DisplayName("DELETE without the trailing slash works the same")
  void removeWithoutTrailingSlash() {
    long ws = newWorkspace();
    Actor member = actors.register("slashless");
    actors.addMember(owner, ws, member, "viewer");

    assertThat(actors.delete(owner, members(ws) + member.id()).statusCode()).isEqualTo(204);
  }

  @Test
  @DisplayName("DELETE of a user who is not a member is 404 not_found")
  void removeNonMember() {
    long ws = newWorkspace();
    Actor stranger = actors.register("stranger");

    assertError(actors.delete(owner, member(ws, stranger.id())), 404, "not_found");
  }

  @Test
  @DisplayName("Removing the last owner is 409 last_owner; they stay")
  void removeLastOwner() {
    long ws = newWorkspace();
    Actor collaborator = actors.register("collab");
    actors.addMember(owner, ws, collaborator, "collaborator");

    HttpResponse<Buffer> response = actors.delete(owner, member(ws, owner.id()));

    assertError(response, 409, "last_owner");
    assertThat(longs(actors.workspaceAs(owner, ws).getJsonArray("owners"))).containsExactly(owner.id());
  }

  @ParameterizedTest(name = "a {0} leaves")
  @ValueSource(strings = {"collaborator", "viewer"})
  @DisplayName("A collaborator or viewer may remove their own membership: 204, then the workspace is 404 for them")
  void memberLeaves(String role) {
    long ws = newWorkspace();
    Actor member = actors.register("leaver");
    actors.addMember(owner, ws, member, role);

    HttpResponse<Buffer> response = actors.delete(member, member(ws, member.id()));

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(actors.get(member, workspace(ws)).statusCode()).isEqualTo(404);
    assertThat(actors.membersAs(owner, ws)).hasSize(1);
  }

  @Test
  @DisplayName("An owner who is not the last one may leave: 204")
  void ownerLeaves() {
    long ws = newWorkspace();
    Actor coOwner = actors.register("coowner");
    actors.addMember(owner, ws, coOwner, "owner");

    HttpResponse<Buffer> response = actors.delete(coOwner, member(ws, coOwner.id()));

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(longs(actors.workspaceAs(owner, ws).getJsonArray("owners"))).containsExactly(owner.id());
  }

  @Test
  @DisplayName("Once the project owner has left, the remaining owner is the last one and may not leave: 409 last_owner")
  void lastOwnerCannotLeave() {
    long ws = newWorkspace();
    Actor coOwner = actors.register("coowner");
    actors.addMember(owner, ws, coOwner, "owner");
    Actors.expect(actors.delete(owner, member(ws, owner.id())), 204);

    HttpResponse<Buffer> response = actors.delete(coOwner, member(ws, coOwner.id()));

    assertError(response, 409, "last_owner");
    assertThat(actors.get(coOwner, workspace(ws)).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("A removed member can be added back")
  void reAdd() {
    long ws = newWorkspace();
    Actor member = actors.register("returning");
    actors.addMember(owner, ws, member, "viewer");
    actors.delete(owner, member(ws, member.id()));

    HttpResponse<Buffer> response = actors.post(owner, members(ws), new JsonObject().put("user_id", member.id()).put("role", "collaborator"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.bodyAsJsonObject().getString("role")).isEqualTo("collaborator");
  }
}
