package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Actors.Membership;
import io.collab.support.CollabTest;
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
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

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

  /** A new workspace of the owner's where a new user, labelled {@code label}, has {@code role}. */
  private Membership withMember(String label, String role) {
    return actors.workspaceWithMember(owner, projectId, "ws", label, role);
  }

  /** The user ids the workspace's {@code array} (owners, collaborators, viewers) holds, as the owner reads it. */
  private List<Long> holders(long workspaceId, String array) {
    return longs(actors.workspaceAs(owner, workspaceId).getJsonArray(array));
  }

  /** The member object of {@code who} with {@code role}, as the members API answers it. */
  private static JsonObject memberObject(Actor who, String role) {
    return new JsonObject().put("user_id", who.id()).put("email", who.email()).put("username", who.username()).put("role", role);
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
    assertThat(only).isEqualTo(memberObject(owner, "owner"));
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

  /** The member routes called without their trailing slash, on a workspace whose one other member is a viewer. */
  enum Slashless {
    LIST("GET", 200), ADD("POST", 201), CHANGE("PATCH", 200), REMOVE("DELETE", 204);

    final String method;
    final int status;

    Slashless(String method, int status) {
      this.method = method;
      this.status = status;
    }

    @Override
    public String toString() {
      return method;
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Slashless.class)
  @DisplayName("GET, POST, PATCH and DELETE without the trailing slash work the same")
  void withoutTrailingSlash(Slashless call) {
    Membership membership = withMember("slashless", "viewer");
    long ws = membership.workspaceId();
    String one = members(ws) + membership.member().id();

    HttpResponse<Buffer> response = switch (call) {
      case LIST -> actors.get(owner, workspace(ws) + "members");
      case ADD -> actors.post(owner, workspace(ws) + "members",
          new JsonObject().put("user_id", actors.register("newcomer").id()).put("role", "viewer"));
      case CHANGE -> actors.patch(owner, one, new JsonObject().put("role", "owner"));
      case REMOVE -> actors.delete(owner, one);
    };

    assertThat(response.statusCode()).isEqualTo(call.status);
    switch (call) {
      case LIST -> assertThat(response.bodyAsJsonArray()).hasSize(2);
      case CHANGE -> assertThat(response.bodyAsJsonObject().getString("role")).isEqualTo("owner");
      default -> { }
    }
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
    assertThat(response.bodyAsJsonObject()).isEqualTo(memberObject(newcomer, role));
    assertThat(actors.membersAs(owner, ws)).contains(response.bodyAsJsonObject());
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

  @ParameterizedTest(name = "already {0}, named by {1}, added as {2}")
  @CsvSource({"owner, user_id, viewer", "collaborator, user_id, viewer", "viewer, user_id, viewer", "viewer, email, owner"})
  @DisplayName("Adding someone who is already a member, by user id or email, is 409 already_member, and their role stays")
  void addExistingMember(String role, String namedBy, String roleSent) {
    long ws = newWorkspace();
    Actor existing = actors.register("existing");
    if (!role.equals("owner")) {
      actors.addMember(owner, ws, existing, role);
    }
    Actor target = role.equals("owner") ? owner : existing;
    Object name = namedBy.equals("email") ? target.email() : target.id();
    JsonArray before = actors.membersAs(owner, ws);

    HttpResponse<Buffer> response = actors.post(owner, members(ws), new JsonObject().put(namedBy, name).put("role", roleSent));

    assertError(response, 409, "already_member");
    assertThat(actors.membersAs(owner, ws)).isEqualTo(before);
  }

  /** (what, body, the field named, or null where none is) for bodies that add nobody. */
  Stream<Arguments> invalidAdditions() {
    long newcomer = actors.register("refused").id();
    return Stream.of(
        Arguments.of("an email no account has", new JsonObject().put("email", "nobody-at-all@example.test").put("role", "viewer"), "email"),
        Arguments.of("a user id no account has", new JsonObject().put("user_id", 987_654_321L).put("role", "viewer"), "user_id"),
        Arguments.of("role \"admin\"", new JsonObject().put("user_id", newcomer).put("role", "admin"), "role"),
        Arguments.of("role \"\"", new JsonObject().put("user_id", newcomer).put("role", ""), "role"),
        Arguments.of("role \"Owner\"", new JsonObject().put("user_id", newcomer).put("role", "Owner"), "role"),
        Arguments.of("role \"VIEWER\"", new JsonObject().put("user_id", newcomer).put("role", "VIEWER"), "role"),
        Arguments.of("no role", new JsonObject().put("user_id", newcomer), "role"),
        Arguments.of("an email with a NUL character", new JsonObject().put("email", "a\u0000b@example.test").put("role", "viewer"), "email"),
        Arguments.of("neither email nor user_id", new JsonObject().put("role", "viewer"), null));
  }

  @ParameterizedTest(name = "{0} → 400 fields.{2}")
  @MethodSource("invalidAdditions")
  @DisplayName("POST naming nobody who exists, or no valid role (owner, collaborator, viewer), is 400 validation_failed, never 500; the members stay")
  void invalidAddition(String what, JsonObject body, String field) {
    long ws = newWorkspace();

    HttpResponse<Buffer> response = actors.post(owner, members(ws), body);

    if (field == null) {
      assertError(response, 400, "validation_failed");
    } else {
      assertValidationFailed(response, field);
    }
    assertThat(actors.membersAs(owner, ws)).hasSize(1);
  }

  // ---- changing roles ------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("PATCH /{user_id}/ {role} changes the role: 200 with the member object; lists and workspace agree")
  void changeRole() {
    Membership membership = withMember("promoted", "viewer");
    long ws = membership.workspaceId();

    HttpResponse<Buffer> response = actors.patch(owner, member(ws, membership.member().id()), new JsonObject().put("role", "collaborator"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject expected = memberObject(membership.member(), "collaborator");
    assertThat(response.bodyAsJsonObject()).isEqualTo(expected);
    assertThat(actors.membersAs(owner, ws)).contains(expected);
    assertThat(holders(ws, "collaborators")).containsExactly(membership.member().id());
    assertThat(holders(ws, "viewers")).isEmpty();
  }

  @Test
  @DisplayName("PATCH with a bad role is 400 validation_failed with fields.role; the role stays")
  void badRoleOnChange() {
    Membership membership = withMember("member", "viewer");
    long ws = membership.workspaceId();

    assertValidationFailed(actors.patch(owner, member(ws, membership.member().id()), new JsonObject().put("role", "superuser")), "role");
    assertThat(holders(ws, "viewers")).containsExactly(membership.member().id());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"PATCH", "DELETE"})
  @DisplayName("PATCH or DELETE of a user who is not a member is 404 not_found")
  void nonMember(String method) {
    String stranger = member(newWorkspace(), actors.register("stranger").id());

    HttpResponse<Buffer> response = method.equals("PATCH")
        ? actors.patch(owner, stranger, new JsonObject().put("role", "viewer"))
        : actors.delete(owner, stranger);

    assertError(response, 404, "not_found");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"PATCH", "DELETE"})
  @DisplayName("Demoting (PATCH) or removing (DELETE) the last owner, a collaborator beside them, is 409 last_owner; they stay owner")
  void lastOwner(String method) {
    long ws = withMember("collab", "collaborator").workspaceId();
    String last = member(ws, owner.id());

    HttpResponse<Buffer> response = method.equals("PATCH")
        ? actors.patch(owner, last, new JsonObject().put("role", "collaborator"))
        : actors.delete(owner, last);

    assertError(response, 409, "last_owner");
    assertThat(holders(ws, "owners")).containsExactly(owner.id());
  }

  @ParameterizedTest(name = "the {1} set to {2}, the other member a {0}")
  @CsvSource({"owner, member, viewer", "viewer, owner, owner"})
  @DisplayName("One of two owners can be demoted; the only owner may be set to owner again, which changes nothing; the owner is then the only one")
  void ownerRoleChange(String otherRole, String whose, String role) {
    Membership other = withMember("other", otherRole);
    Actor changed = whose.equals("owner") ? owner : other.member();

    HttpResponse<Buffer> response = actors.patch(owner, member(other.workspaceId(), changed.id()), new JsonObject().put("role", role));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(holders(other.workspaceId(), "owners")).containsExactly(owner.id());
  }

  // ---- removing ------------------------------------------------------------------------------------------------------

  @Test
  @DisplayName("DELETE /{user_id}/ removes the member: 204; they no longer see the workspace")
  void removeMember() {
    Membership membership = withMember("removed", "collaborator");
    long ws = membership.workspaceId();

    HttpResponse<Buffer> response = actors.delete(owner, member(ws, membership.member().id()));

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(actors.membersAs(owner, ws)).hasSize(1);
    assertThat(actors.get(membership.member(), workspace(ws)).statusCode()).isEqualTo(404);
    assertThat(ids(actors.get(membership.member(), Actors.WORKSPACES).bodyAsJsonArray())).doesNotContain(ws);
  }

  @ParameterizedTest(name = "a {0} leaves")
  @ValueSource(strings = {"collaborator", "viewer", "owner"})
  @DisplayName("A member who is not the last owner may remove their own membership: 204, then the workspace is 404 for them")
  void memberLeaves(String role) {
    Membership leaver = withMember("leaver", role);
    long ws = leaver.workspaceId();

    HttpResponse<Buffer> response = actors.delete(leaver.member(), member(ws, leaver.member().id()));

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(actors.get(leaver.member(), workspace(ws)).statusCode()).isEqualTo(404);
    assertThat(actors.membersAs(owner, ws)).hasSize(1);
    assertThat(holders(ws, "owners")).containsExactly(owner.id());
  }

  @Test
  @DisplayName("Once the project owner has left, the remaining owner is the last one and may not leave: 409 last_owner")
  void lastOwnerCannotLeave() {
    Membership remaining = withMember("coowner", "owner");
    long ws = remaining.workspaceId();
    Actors.expect(actors.delete(owner, member(ws, owner.id())), 204);

    HttpResponse<Buffer> response = actors.delete(remaining.member(), member(ws, remaining.member().id()));

    assertError(response, 409, "last_owner");
    assertThat(actors.get(remaining.member(), workspace(ws)).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("A removed member can be added back")
  void reAdd() {
    Membership returning = withMember("returning", "viewer");
    long ws = returning.workspaceId();
    actors.delete(owner, member(ws, returning.member().id()));

    HttpResponse<Buffer> response = actors.post(owner, members(ws),
        new JsonObject().put("user_id", returning.member().id()).put("role", "collaborator"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.bodyAsJsonObject().getString("role")).isEqualTo("collaborator");
  }
}
