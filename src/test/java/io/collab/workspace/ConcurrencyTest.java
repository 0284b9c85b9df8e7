package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Actors.Membership;
import io.collab.support.CollabTest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static io.collab.support.Actors.member;
import static io.collab.support.Actors.members;
import static io.collab.support.Actors.project;
import static io.collab.support.Actors.workspace;
import static io.collab.workspace.Checks.assertError;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Optimistic concurrency: ETag and If-Match on projects and workspaces")
class ConcurrencyTest {

  /** The two resources that carry ETags, with a valid PUT and PATCH body for each. */
  enum Resource {
    PROJECT, WORKSPACE;

    @Override
    public String toString() {
      return name().toLowerCase();
    }
  }

  private Actors actors;
  private Actor owner;
  private long homeProject;

  @BeforeAll
  void createProject() {
    homeProject = actors.createProject(owner, "Home").getLong("id");
  }

  private String create(Resource resource) {
    return switch (resource) {
      case PROJECT -> project(actors.createProject(owner, "Versioned", "v1").getLong("id"));
      case WORKSPACE -> workspace(actors.createWorkspace(owner, homeProject, "Versioned").getLong("id"));
    };
  }

  private JsonObject putBody(Resource resource, String name) {
    return switch (resource) {
      case PROJECT -> new JsonObject().put("name", name).put("description", "put");
      case WORKSPACE -> new JsonObject().put("project", homeProject).put("name", name);
    };
  }

  private HttpResponse<Buffer> read(String path) {
    HttpResponse<Buffer> response = actors.get(owner, path);
    assertThat(response.statusCode()).isEqualTo(200);
    return response;
  }

  /** The resource's ETag before someone else's edit, which makes it stale. */
  private String staleEtag(String path) {
    String stale = read(path).getHeader("ETag");
    actors.patch(owner, path, new JsonObject().put("name", "someone else's edit"));
    return stale;
  }

  /** The resource reads as it did in {@code before}: the same body and the same ETag. */
  private void assertUnchanged(String path, HttpResponse<Buffer> before) {
    HttpResponse<Buffer> after = read(path);
    assertThat(after.bodyAsJsonObject()).isEqualTo(before.bodyAsJsonObject());
    assertThat(after.getHeader("ETag")).isEqualTo(before.getHeader("ETag"));
  }

  // ---- ETags are there and move -----------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("GET answers carry an ETag, stable while nothing changes")
  void getHasEtag(Resource resource) {
    String path = create(resource);

    String first = read(path).getHeader("ETag");
    String second = read(path).getHeader("ETag");

    assertThat(first).isNotBlank();
    assertThat(second).isEqualTo(first);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("The 201 of a creation carries the same ETag a GET then answers")
  void createHasEtag(Resource resource) {
    HttpResponse<Buffer> created = switch (resource) {
      case PROJECT -> actors.post(owner, Actors.PROJECTS, new JsonObject().put("name", "fresh"));
      case WORKSPACE -> actors.post(owner, Actors.WORKSPACES, new JsonObject().put("project", homeProject).put("name", "fresh"));
    };

    assertThat(created.statusCode()).isEqualTo(201);
    String path = resource == Resource.PROJECT ? project(created.bodyAsJsonObject().getLong("id"))
        : workspace(created.bodyAsJsonObject().getLong("id"));
    assertThat(created.getHeader("ETag")).isNotBlank().isEqualTo(read(path).getHeader("ETag"));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("PUT with If-Match equal to the current ETag succeeds and answers the new ETag, which GET then shows")
  void putWithCurrentEtag(Resource resource) {
    String path = create(resource);
    String etag = read(path).getHeader("ETag");

    HttpResponse<Buffer> response = actors.put(owner, path, putBody(resource, "put with etag"), etag);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("ETag")).isNotBlank().isNotEqualTo(etag);
    assertThat(read(path).getHeader("ETag")).isEqualTo(response.getHeader("ETag"));
    assertThat(read(path).bodyAsJsonObject().getString("name")).isEqualTo("put with etag");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("PATCH with If-Match equal to the current ETag succeeds and answers the new ETag, which GET then shows")
  void patchWithCurrentEtag(Resource resource) {
    String path = create(resource);
    String etag = read(path).getHeader("ETag");

    HttpResponse<Buffer> response = actors.patch(owner, path, new JsonObject().put("name", "patched with etag"), etag);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("ETag")).isNotBlank().isNotEqualTo(etag);
    assertThat(read(path).getHeader("ETag")).isEqualTo(response.getHeader("ETag"));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("DELETE with If-Match equal to the current ETag succeeds with 204")
  void deleteWithCurrentEtag(Resource resource) {
    String path = create(resource);
    String etag = read(path).getHeader("ETag");

    assertThat(actors.delete(owner, path, etag).statusCode()).isEqualTo(204);
    assertThat(actors.get(owner, path).statusCode()).isEqualTo(404);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("The ETag answered by a change can be used for the next change")
  void chainOfChanges(Resource resource) {
    String path = create(resource);
    String etag = read(path).getHeader("ETag");

    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> response = actors.patch(owner, path, new JsonObject().put("name", "step " + i), etag);
      assertThat(response.statusCode()).as("step %d", i).isEqualTo(200);
      etag = response.getHeader("ETag");
    }

    assertThat(read(path).bodyAsJsonObject().getString("name")).isEqualTo("step 2");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("Without If-Match a change is accepted (the header is optional)")
  void noIfMatch(Resource resource) {
    String path = create(resource);

    assertThat(actors.patch(owner, path, new JsonObject().put("name", "no precondition")).statusCode()).isEqualTo(200);
  }

  // ---- stale ETags -------------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("PUT with a stale If-Match is 412 precondition_failed and changes nothing")
  void putWithStaleEtag(Resource resource) {
    String path = create(resource);
    String stale = staleEtag(path);
    HttpResponse<Buffer> before = read(path);

    HttpResponse<Buffer> response = actors.put(owner, path, putBody(resource, "lost update"), stale);

    assertError(response, 412, "precondition_failed");
    assertUnchanged(path, before);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("PATCH with a stale If-Match is 412 precondition_failed and changes nothing")
  void patchWithStaleEtag(Resource resource) {
    String path = create(resource);
    String stale = staleEtag(path);
    HttpResponse<Buffer> before = read(path);

    HttpResponse<Buffer> response = actors.patch(owner, path, new JsonObject().put("name", "lost update"), stale);

    assertError(response, 412, "precondition_failed");
    assertUnchanged(path, before);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("DELETE with a stale If-Match is 412 precondition_failed and the resource stays")
  void deleteWithStaleEtag(Resource resource) {
    String path = create(resource);
    String stale = staleEtag(path);

    HttpResponse<Buffer> response = actors.delete(owner, path, stale);

    assertError(response, 412, "precondition_failed");
    assertThat(actors.get(owner, path).statusCode()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("An If-Match that was never an ETag is 412 precondition_failed")
  void garbageEtag(Resource resource) {
    String path = create(resource);
    HttpResponse<Buffer> before = read(path);

    HttpResponse<Buffer> response = actors.patch(owner, path, new JsonObject().put("name", "x"), "\"not-a-real-etag\"");

    assertError(response, 412, "precondition_failed");
    assertThat(read(path).bodyAsJsonObject()).isEqualTo(before.bodyAsJsonObject());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Resource.class)
  @DisplayName("Of several PATCHes sent at once with the same If-Match, exactly one wins; the others get 412")
  void racingEditors(Resource resource) {
    String path = create(resource);
    String etag = read(path).getHeader("ETag");
    int editors = 6;

    List<Future<HttpResponse<Buffer>>> inFlight = new ArrayList<>();
    for (int i = 0; i < editors; i++) {
      inFlight.add(actors.request(owner, HttpMethod.PATCH, path).putHeader("If-Match", etag)
          .sendJsonObject(new JsonObject().put("name", "editor " + i)));
    }
    Future.join(inFlight).await();

    List<Integer> statuses = inFlight.stream().map(f -> f.result().statusCode()).toList();
    assertThat(statuses).containsOnly(200, 412);
    assertThat(statuses.stream().filter(s -> s == 200).count()).as("winners among %s", statuses).isEqualTo(1);
    String winner = inFlight.stream().map(Future::result).filter(r -> r.statusCode() == 200).findFirst().orElseThrow()
        .bodyAsJsonObject().getString("name");
    assertThat(read(path).bodyAsJsonObject().getString("name")).isEqualTo(winner);
  }

  // ---- membership changes move the workspace's ETag ---------------------------------------------------------------

  @Test
  @DisplayName("Adding a member changes the workspace's ETag; a PATCH based on the old one is then 412")
  void addingMemberChangesEtag() {
    long id = actors.createWorkspace(owner, homeProject, "additions").getLong("id");
    String path = workspace(id);
    String before = read(path).getHeader("ETag");

    actors.addMember(owner, id, actors.register("added"), "viewer");

    assertThat(read(path).getHeader("ETag")).isNotEqualTo(before);
    assertError(actors.patch(owner, path, new JsonObject().put("name", "stale"), before), 412, "precondition_failed");
  }

  /** A change to an existing member of a workspace, with the role the member has before and the answer expected. */
  enum MemberChange {
    ROLE("Changing a member's role", "viewer", 200),
    REMOVAL("Removing a member", "viewer", 204),
    LEAVING("A member leaving", "collaborator", 204);

    private final String description;
    final String roleBefore;
    final int status;

    MemberChange(String description, String roleBefore, int status) {
      this.description = description;
      this.roleBefore = roleBefore;
      this.status = status;
    }

    HttpResponse<Buffer> make(Actors actors, Actor owner, Membership membership) {
      String path = member(membership.workspaceId(), membership.member().id());
      return switch (this) {
        case ROLE -> actors.patch(owner, path, new JsonObject().put("role", "collaborator"));
        case REMOVAL -> actors.delete(owner, path);
        case LEAVING -> actors.delete(membership.member(), path);
      };
    }

    @Override
    public String toString() {
      return description;
    }
  }

  @ParameterizedTest(name = "{0} changes the workspace's ETag")
  @EnumSource(MemberChange.class)
  void memberChangeChangesEtag(MemberChange change) {
    Membership membership = actors.workspaceWithMember(owner, homeProject, change.name().toLowerCase(), "member",
        change.roleBefore);
    String path = workspace(membership.workspaceId());
    String before = read(path).getHeader("ETag");

    Actors.expect(change.make(actors, owner, membership), change.status);

    assertThat(read(path).getHeader("ETag")).isNotEqualTo(before);
  }

  @Test
  @DisplayName("Role arrays sent with If-Match are refused with 412 when membership changed meanwhile")
  void roleArraysRespectIfMatch() {
    long id = actors.createWorkspace(owner, homeProject, "arrays").getLong("id");
    Actor late = actors.register("late");
    String before = read(workspace(id)).getHeader("ETag");
    actors.addMember(owner, id, actors.register("first"), "viewer");
    JsonObject state = read(workspace(id)).bodyAsJsonObject();

    HttpResponse<Buffer> response = actors.patch(owner, workspace(id),
        new JsonObject().put("viewers", new JsonArray().add(late.id())), before);

    assertError(response, 412, "precondition_failed");
    assertThat(read(workspace(id)).bodyAsJsonObject()).isEqualTo(state);
    assertThat(actors.get(owner, members(id)).bodyAsJsonArray()).hasSize(2);
  }
}
