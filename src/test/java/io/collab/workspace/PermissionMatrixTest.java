package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.workspace.Cast.Stage;
import io.collab.workspace.Cast.Who;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static io.collab.support.Actors.PROJECTS;
import static io.collab.support.Actors.WORKSPACES;
import static io.collab.support.Actors.member;
import static io.collab.support.Actors.members;
import static io.collab.support.Actors.project;
import static io.collab.support.Actors.workspace;
import static io.collab.support.Errors.assertError;
import static io.collab.workspace.Checks.ids;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's permission table, cell by cell. Every cell gets a fresh project and workspace: the project owner
 * created both, and the workspace has a workspace owner (owner role, not the project owner), a collaborator, a viewer
 * and a spare viewer ({@code target}) whom member changes are aimed at.
 */
@CollabTest
@DisplayName("The permission matrix (README, \"Projects, workspaces and roles\")")
class PermissionMatrixTest {

  /** The table's columns: every caller here has a token. */
  private static final List<Who> COLUMNS = List.of(Who.PROJECT_OWNER, Who.WORKSPACE_OWNER, Who.COLLABORATOR, Who.VIEWER,
      Who.OUTSIDER);

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

  private Actors actors;
  private Cast cast;
  /** A spare viewer, whom member changes are aimed at. */
  private Actor target;
  /** Someone who is added to the workspace. */
  private Actor newcomer;

  @BeforeAll
  void cast() {
    cast = new Cast(actors);
  }

  /** The cast's stage, with the target as a second viewer. */
  private Stage fixture() {
    Stage stage = cast.stage("Matrix");
    actors.addMember(cast.projectOwner, stage.workspaceId(), target, "viewer");
    return stage;
  }

  private HttpResponse<Buffer> perform(Operation op, Actor caller, Stage f) {
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
          new JsonObject().put("viewers", new JsonArray().add(cast.viewer.id()).add(target.id()).add(newcomer.id())));
      case PUT_WORKSPACE_ROLES -> actors.put(caller, workspace(f.workspaceId()), new JsonObject().put("project", f.projectId())
          .put("name", "renamed").put("collaborators", new JsonArray().add(cast.collaborator.id()).add(target.id())));
      case DELETE_WORKSPACE -> actors.delete(caller, workspace(f.workspaceId()));
      case GET_MEMBERS -> actors.get(caller, members(f.workspaceId()));
      case POST_MEMBER -> actors.post(caller, members(f.workspaceId()), new JsonObject().put("user_id", newcomer.id()).put("role", "viewer"));
      case PATCH_MEMBER -> actors.patch(caller, member(f.workspaceId(), target.id()), new JsonObject().put("role", "collaborator"));
      case DELETE_MEMBER -> actors.delete(caller, member(f.workspaceId(), target.id()));
      case LEAVE -> actors.delete(caller, member(f.workspaceId(), caller.id()));
    };
  }

  /** One row of the table: the expected status for each column, in {@link #COLUMNS} order. */
  private static Stream<Arguments> row(Operation op, int... statuses) {
    return Cast.row(op, COLUMNS, statuses);
  }

  static Stream<Arguments> matrix() {
    return Cast.table(
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
        row(Operation.LEAVE,                      204,     204,      204,     204,    404));
  }

  @ParameterizedTest(name = "{0} by the {1} → {2}")
  @MethodSource("matrix")
  @DisplayName("Each operation answers each role as the table says; refusals are 403 forbidden or 404 not_found and change nothing")
  void cell(Operation op, Who who, int expected) {
    Stage f = fixture();
    Cast.assertCell(op + " by the " + who, expected, () -> snapshot(f), () -> perform(op, cast.actor(who), f));
  }

  /** The two lists, each with the id of the fixture's item on it. */
  enum Listing {
    PROJECTS(Actors.PROJECTS, Stage::projectId),
    WORKSPACES(Actors.WORKSPACES, Stage::workspaceId);

    final String path;
    final ToLongFunction<Stage> item;

    Listing(String path, ToLongFunction<Stage> item) {
      this.path = path;
      this.item = item;
    }

    @Override
    public String toString() {
      return "GET " + path;
    }
  }

  static Stream<Arguments> listings() {
    return Stream.of(Listing.values()).flatMap(listing -> COLUMNS.stream().map(who -> Arguments.of(listing, who)));
  }

  @ParameterizedTest(name = "{0} by the {1}")
  @MethodSource("listings")
  @DisplayName("Listing projects and workspaces: every role sees the project and the workspace, anyone else does not")
  void listing(Listing listing, Who who) {
    Stage f = fixture();

    HttpResponse<Buffer> response = actors.get(cast.actor(who), listing.path);

    assertThat(response.statusCode()).isEqualTo(200);
    long item = listing.item.applyAsLong(f);
    if (who == Who.OUTSIDER) {
      assertThat(ids(response.bodyAsJsonArray())).doesNotContain(item);
    } else {
      assertThat(ids(response.bodyAsJsonArray())).contains(item);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Operation.class)
  @DisplayName("An outsider's 404 for a hidden resource is indistinguishable from the 404 for one that does not exist")
  void hiddenLooksMissing(Operation op) {
    Stage hidden = fixture();

    // Ids may appear in the detail (each request names its own); everything else must be the same.
    assertHiddenLooksMissing(f -> perform(op, cast.outsider, f), hidden,
        new Stage(hidden.projectId() + 1_000_000, hidden.workspaceId() + 1_000_000), PermissionMatrixTest::withoutNumbers);
  }

  @Test
  @DisplayName("A viewer cannot promote itself: PATCH of its own role is 403 forbidden")
  void viewerCannotPromoteItself() {
    Stage f = fixture();

    HttpResponse<Buffer> response = actors.patch(cast.viewer, member(f.workspaceId(), cast.viewer.id()), new JsonObject().put("role", "owner"));

    assertError(response, 403, "forbidden");
  }

  @Test
  @DisplayName("A collaborator cannot add itself to another workspace of the project it can see")
  void collaboratorCannotJoinSiblingWorkspace() {
    Stage f = fixture();
    long sibling = actors.createWorkspace(cast.projectOwner, f.projectId(), "sibling").getLong("id");

    HttpResponse<Buffer> response = actors.post(cast.collaborator, members(sibling), new JsonObject().put("user_id", cast.collaborator.id()).put("role", "owner"));

    assertThat(response.statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("A workspace owner who is not the project owner sees only its own workspaces of the project")
  void workspaceOwnerDoesNotSeeSiblings() {
    Stage f = fixture();
    long sibling = actors.createWorkspace(cast.projectOwner, f.projectId(), "sibling").getLong("id");

    assertThat(actors.get(cast.workspaceOwner, workspace(sibling)).statusCode()).isEqualTo(404);
    assertThat(ids(actors.get(cast.workspaceOwner, WORKSPACES).bodyAsJsonArray())).contains(f.workspaceId()).doesNotContain(sibling);
  }

  @Test
  @DisplayName("The project owner owns every workspace of its project, even after its own membership was removed")
  void projectOwnerOwnsEveryWorkspace() {
    Stage f = fixture();
    // The workspace owner removes the project owner's membership; the project owner still owns the workspace.
    Actors.expect(actors.delete(cast.workspaceOwner, member(f.workspaceId(), cast.projectOwner.id())), 204);

    assertThat(actors.get(cast.projectOwner, workspace(f.workspaceId())).statusCode()).isEqualTo(200);
    assertThat(ids(actors.get(cast.projectOwner, WORKSPACES).bodyAsJsonArray())).contains(f.workspaceId());
    assertThat(actors.patch(cast.projectOwner, workspace(f.workspaceId()), new JsonObject().put("name", "still mine")).statusCode())
        .isEqualTo(200);
  }

  // ---- helpers -------------------------------------------------------------------------------------------------------

  /** What the project owner sees of the fixture, to prove a refused call changed nothing. */
  record Snapshot(int projectStatus, String project, int workspaceStatus, String workspace, String members, String projectWorkspaces) {}

  private Snapshot snapshot(Stage f) {
    HttpResponse<Buffer> p = actors.get(cast.projectOwner, project(f.projectId()));
    HttpResponse<Buffer> w = actors.get(cast.projectOwner, workspace(f.workspaceId()));
    HttpResponse<Buffer> m = actors.get(cast.projectOwner, members(f.workspaceId()));
    HttpResponse<Buffer> all = actors.get(cast.projectOwner, WORKSPACES);
    return new Snapshot(p.statusCode(), p.bodyAsString(), w.statusCode(), w.bodyAsString(), m.bodyAsString(),
        String.valueOf(ids(all.bodyAsJsonArray())));
  }

  /**
   * The outsider's answer for a {@code hidden} fixture is the same 404 as for a {@code missing} one: the same content
   * type, and bodies equal once {@code comparable} has made them so.
   */
  static <F> void assertHiddenLooksMissing(Function<F, HttpResponse<Buffer>> asOutsider, F hidden, F missing,
      UnaryOperator<JsonObject> comparable) {
    HttpResponse<Buffer> forHidden = asOutsider.apply(hidden);
    HttpResponse<Buffer> forMissing = asOutsider.apply(missing);

    Cast.assertBothNotFound(forHidden, forMissing);
    assertThat(comparable.apply(forHidden.bodyAsJsonObject())).isEqualTo(comparable.apply(forMissing.bodyAsJsonObject()));
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
