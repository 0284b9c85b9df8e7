package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static io.collab.support.Actors.PROJECTS;
import static io.collab.support.Actors.WORKSPACES;
import static io.collab.support.Actors.member;
import static io.collab.support.Actors.members;
import static io.collab.support.Actors.project;
import static io.collab.support.Actors.workspace;
import static io.collab.workspace.Checks.ids;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's permission table, cell by cell. Every cell gets a fresh project and workspace: the project owner
 * created both, and the workspace has a workspace owner (owner role, not the project owner), a collaborator, a viewer
 * and a spare viewer ({@code target}) whom member changes are aimed at.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("The permission matrix (README, \"Projects, workspaces and roles\")")
class PermissionMatrixTest {

  /** The table's columns. */
  enum Who {
    PROJECT_OWNER("project owner"),
    WORKSPACE_OWNER("workspace owner"),
    COLLABORATOR("collaborator"),
    VIEWER("viewer"),
    OUTSIDER("anyone else");

    final String label;

    Who(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /** One project and workspace with everybody in place. */
  record Fixture(long projectId, long workspaceId) {}

  /** The table's rows (the ones about HTTP resources). */
  enum Operation {
    GET_PROJECT("GET project"),
    PUT_PROJECT("PUT project"),
    PATCH_PROJECT("PATCH project"),
    DELETE_PROJECT("DELETE project (cascades)"),
    POST_WORKSPACE("POST workspace in the project"),
    GET_WORKSPACE("GET workspace"),
    PUT_WORKSPACE("PUT workspace"),
    PATCH_WORKSPACE("PATCH workspace"),
    PATCH_WORKSPACE_ROLES("PATCH workspace with owners/collaborators/viewers"),
    PUT_WORKSPACE_ROLES("PUT workspace with owners/collaborators/viewers"),
    DELETE_WORKSPACE("DELETE workspace"),
    GET_MEMBERS("GET members"),
    POST_MEMBER("POST member"),
    PATCH_MEMBER("PATCH member"),
    DELETE_MEMBER("DELETE member"),
    LEAVE("DELETE own membership (leave)");

    final String label;

    Operation(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  private TestApp app;
  private Actors actors;
  private Actor projectOwner;
  private Actor workspaceOwner;
  private Actor collaborator;
  private Actor viewer;
  private Actor outsider;
  private Actor target;
  private Actor newcomer;

  @BeforeAll
  void deploy() {
    app = TestApp.start();
    actors = new Actors(app);
    projectOwner = actors.register("projectowner");
    workspaceOwner = actors.register("wsowner");
    collaborator = actors.register("collaborator");
    viewer = actors.register("viewer");
    outsider = actors.register("outsider");
    target = actors.register("target");
    newcomer = actors.register("newcomer");
  }

  @AfterAll
  void undeploy() {
    app.stop();
  }

  private Actor actor(Who who) {
    return switch (who) {
      case PROJECT_OWNER -> projectOwner;
      case WORKSPACE_OWNER -> workspaceOwner;
      case COLLABORATOR -> collaborator;
      case VIEWER -> viewer;
      case OUTSIDER -> outsider;
    };
  }

  private Fixture fixture() {
    long projectId = actors.createProject(projectOwner, "Matrix project", "matrix").getLong("id");
    long workspaceId = actors.createWorkspace(projectOwner, projectId, "Matrix workspace").getLong("id");
    actors.addMember(projectOwner, workspaceId, workspaceOwner, "owner");
    actors.addMember(projectOwner, workspaceId, collaborator, "collaborator");
    actors.addMember(projectOwner, workspaceId, viewer, "viewer");
    actors.addMember(projectOwner, workspaceId, target, "viewer");
    return new Fixture(projectId, workspaceId);
  }

  private HttpResponse<Buffer> perform(Operation op, Actor caller, Fixture f) {
    return switch (op) {
      case GET_PROJECT -> actors.get(caller, project(f.projectId()));
      case PUT_PROJECT -> actors.put(caller, project(f.projectId()), new JsonObject().put("name", "renamed").put("description", "changed"));
      case PATCH_PROJECT -> actors.patch(caller, project(f.projectId()), new JsonObject().put("name", "renamed"));
      case DELETE_PROJECT -> actors.delete(caller, project(f.projectId()));
      case POST_WORKSPACE -> actors.post(caller, WORKSPACES, new JsonObject().put("project", f.projectId()).put("name", "another"));
      case GET_WORKSPACE -> actors.get(caller, workspace(f.workspaceId()));
      case PUT_WORKSPACE -> actors.put(caller, workspace(f.workspaceId()), new JsonObject().put("project", f.projectId()).put("name", "renamed"));
      case PATCH_WORKSPACE -> actors.patch(caller, workspace(f.workspaceId()), new JsonObject().put("name", "renamed"));
      case PATCH_WORKSPACE_ROLES -> actors.patch(caller, workspace(f.workspaceId()),
          new JsonObject().put("viewers", new JsonArray().add(viewer.id()).add(target.id()).add(newcomer.id())));
      case PUT_WORKSPACE_ROLES -> actors.put(caller, workspace(f.workspaceId()), new JsonObject().put("project", f.projectId())
          .put("name", "renamed").put("collaborators", new JsonArray().add(collaborator.id()).add(target.id())));
      case DELETE_WORKSPACE -> actors.delete(caller, workspace(f.workspaceId()));
      case GET_MEMBERS -> actors.get(caller, members(f.workspaceId()));
      case POST_MEMBER -> actors.post(caller, members(f.workspaceId()), new JsonObject().put("user_id", newcomer.id()).put("role", "viewer"));
      case PATCH_MEMBER -> actors.patch(caller, member(f.workspaceId(), target.id()), new JsonObject().put("role", "collaborator"));
      case DELETE_MEMBER -> actors.delete(caller, member(f.workspaceId(), target.id()));
      case LEAVE -> actors.delete(caller, member(f.workspaceId(), caller.id()));
    };
  }

  /** One row of the table: the expected status for each column, in {@link Who} order. */
  private static Stream<Arguments> row(Operation op, int... statuses) {
    return Arrays.stream(Who.values()).map(who -> Arguments.of(op, who, statuses[who.ordinal()]));
  }

  static Stream<Arguments> matrix() {
    return Stream.of(
        //                                       project  workspace collabo- viewer  anyone
        //                                       owner    owner     rator            else
        row(Operation.GET_PROJECT,                200,     200,      200,     200,    404),
        row(Operation.PUT_PROJECT,                200,     403,      403,     403,    404),
        row(Operation.PATCH_PROJECT,              200,     403,      403,     403,    404),
        row(Operation.DELETE_PROJECT,             204,     403,      403,     403,    404),
        row(Operation.POST_WORKSPACE,             201,     403,      403,     403,    404),
        row(Operation.GET_WORKSPACE,              200,     200,      200,     200,    404),
        row(Operation.PUT_WORKSPACE,              200,     200,      403,     403,    404),
        row(Operation.PATCH_WORKSPACE,            200,     200,      403,     403,    404),
        row(Operation.PATCH_WORKSPACE_ROLES,      200,     200,      403,     403,    404),
        row(Operation.PUT_WORKSPACE_ROLES,        200,     200,      403,     403,    404),
        row(Operation.DELETE_WORKSPACE,           204,     204,      403,     403,    404),
        row(Operation.GET_MEMBERS,                200,     200,      200,     200,    404),
        row(Operation.POST_MEMBER,                201,     201,      403,     403,    404),
        row(Operation.PATCH_MEMBER,               200,     200,      403,     403,    404),
        row(Operation.DELETE_MEMBER,              204,     204,      403,     403,    404),
        row(Operation.LEAVE,                      204,     204,      204,     204,    404))
        .flatMap(r -> r);
  }

  @ParameterizedTest(name = "{0} by the {1} → {2}")
  @MethodSource("matrix")
  @DisplayName("Each operation answers each role as the table says; refusals are 403 forbidden or 404 not_found and change nothing")
  void cell(Operation op, Who who, int expected) {
    Fixture f = fixture();
    Snapshot before = snapshot(f);

    HttpResponse<Buffer> response = perform(op, actor(who), f);

    assertThat(response.statusCode()).as("%s by the %s: %s", op, who, response.bodyAsString()).isEqualTo(expected);
    if (expected == 403 || expected == 404) {
      assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo(expected == 403 ? "forbidden" : "not_found");
      assertThat(snapshot(f)).as("state after a refused %s by the %s", op, who).isEqualTo(before);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Who.class)
  @DisplayName("Listing projects: every role sees the project, anyone else does not")
  void listProjects(Who who) {
    Fixture f = fixture();

    HttpResponse<Buffer> response = actors.get(actor(who), PROJECTS);

    assertThat(response.statusCode()).isEqualTo(200);
    if (who == Who.OUTSIDER) {
      assertThat(ids(response.bodyAsJsonArray())).doesNotContain(f.projectId());
    } else {
      assertThat(ids(response.bodyAsJsonArray())).contains(f.projectId());
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Who.class)
  @DisplayName("Listing workspaces: every role sees the workspace, anyone else does not")
  void listWorkspaces(Who who) {
    Fixture f = fixture();

    HttpResponse<Buffer> response = actors.get(actor(who), WORKSPACES);

    assertThat(response.statusCode()).isEqualTo(200);
    if (who == Who.OUTSIDER) {
      assertThat(ids(response.bodyAsJsonArray())).doesNotContain(f.workspaceId());
    } else {
      assertThat(ids(response.bodyAsJsonArray())).contains(f.workspaceId());
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Operation.class)
  @DisplayName("An outsider's 404 for a hidden resource is indistinguishable from the 404 for one that does not exist")
  void hiddenLooksMissing(Operation op) {
    Fixture hidden = fixture();
    Fixture missing = new Fixture(hidden.projectId() + 1_000_000, hidden.workspaceId() + 1_000_000);

    HttpResponse<Buffer> forHidden = perform(op, outsider, hidden);
    HttpResponse<Buffer> forMissing = perform(op, outsider, missing);

    assertThat(forHidden.statusCode()).isEqualTo(404);
    assertThat(forMissing.statusCode()).isEqualTo(404);
    assertThat(forHidden.getHeader("content-type")).isEqualTo(forMissing.getHeader("content-type"));
    // Ids may appear in the detail (each request names its own); everything else must be the same.
    assertThat(withoutNumbers(forHidden.bodyAsJsonObject())).isEqualTo(withoutNumbers(forMissing.bodyAsJsonObject()));
  }

  @Test
  @DisplayName("A viewer cannot promote itself: PATCH of its own role is 403 forbidden")
  void viewerCannotPromoteItself() {
    Fixture f = fixture();

    HttpResponse<Buffer> response = actors.patch(viewer, member(f.workspaceId(), viewer.id()), new JsonObject().put("role", "owner"));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("forbidden");
  }

  @Test
  @DisplayName("A collaborator cannot add itself to another workspace of the project it can see")
  void collaboratorCannotJoinSiblingWorkspace() {
    Fixture f = fixture();
    long sibling = actors.createWorkspace(projectOwner, f.projectId(), "sibling").getLong("id");

    HttpResponse<Buffer> response = actors.post(collaborator, members(sibling), new JsonObject().put("user_id", collaborator.id()).put("role", "owner"));

    assertThat(response.statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("A workspace owner who is not the project owner sees only its own workspaces of the project")
  void workspaceOwnerDoesNotSeeSiblings() {
    Fixture f = fixture();
    long sibling = actors.createWorkspace(projectOwner, f.projectId(), "sibling").getLong("id");

    assertThat(actors.get(workspaceOwner, workspace(sibling)).statusCode()).isEqualTo(404);
    assertThat(ids(actors.get(workspaceOwner, WORKSPACES).bodyAsJsonArray())).contains(f.workspaceId()).doesNotContain(sibling);
  }

  @Test
  @DisplayName("The project owner owns every workspace of its project, even after its own membership was removed")
  void projectOwnerOwnsEveryWorkspace() {
    Fixture f = fixture();
    // The workspace owner removes the project owner's membership; the project owner still owns the workspace.
    Actors.expect(actors.delete(workspaceOwner, member(f.workspaceId(), projectOwner.id())), 204);

    assertThat(actors.get(projectOwner, workspace(f.workspaceId())).statusCode()).isEqualTo(200);
    assertThat(ids(actors.get(projectOwner, WORKSPACES).bodyAsJsonArray())).contains(f.workspaceId());
    assertThat(actors.patch(projectOwner, workspace(f.workspaceId()), new JsonObject().put("name", "still mine")).statusCode())
        .isEqualTo(200);
  }

  // ---- helpers -------------------------------------------------------------------------------------------------------

  /** What the project owner sees of the fixture, to prove a refused call changed nothing. */
  record Snapshot(int projectStatus, String project, int workspaceStatus, String workspace, String members, String projectWorkspaces) {}

  private Snapshot snapshot(Fixture f) {
    HttpResponse<Buffer> p = actors.get(projectOwner, project(f.projectId()));
    HttpResponse<Buffer> w = actors.get(projectOwner, workspace(f.workspaceId()));
    HttpResponse<Buffer> m = actors.get(projectOwner, members(f.workspaceId()));
    HttpResponse<Buffer> all = actors.get(projectOwner, WORKSPACES);
    return new Snapshot(p.statusCode(), p.bodyAsString(), w.statusCode(), w.bodyAsString(), m.bodyAsString(),
        String.valueOf(ids(all.bodyAsJsonArray())));
  }

  private static JsonObject withoutNumbers(JsonObject body) {
    JsonObject copy = body.copy();
    List.copyOf(copy.fieldNames()).forEach(name -> {
      if (copy.getValue(name) instanceof String s) {
        copy.put(name, s.replaceAll("\\d+", "#"));
      }
    });
    return copy;
  }
}
