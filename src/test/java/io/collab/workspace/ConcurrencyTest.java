package io.collab.workspace;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Actors.Membership;
import io.collab.support.CollabTest;
import io.collab.support.WorkspaceResource;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
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

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import java.util.stream.Stream;

import static io.collab.support.Actors.member;
import static io.collab.support.Actors.members;
import static io.collab.support.WorkspaceRaces.assertWinners;
import static io.collab.support.WorkspaceRaces.atOnce;
import static io.collab.support.Actors.workspace;
import static io.collab.workspace.Checks.PROJECT_KEYS;
import static io.collab.workspace.Checks.WORKSPACE_KEYS;
import static io.collab.workspace.Checks.assertError;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Optimistic concurrency: ETag and If-Match on projects and workspaces")
class ConcurrencyTest {

  /** A parameterized test run once for each resource that carries ETags. */
  @Target(ElementType.METHOD)
  @Retention(RetentionPolicy.RUNTIME)
  @ParameterizedTest(name = "{0}")
  @MethodSource("resources")
  @interface ForEachResource {}

  /** A change to an item, sent with an If-Match. */
  enum Change {
    PUT, PATCH, DELETE;

    /** Sends the change; a PUT or PATCH names the item {@code name}. */
    HttpResponse<Buffer> send(Actors actors, Actor owner, Item item, String name, String ifMatch) {
      return switch (this) {
        case PUT -> actors.put(owner, item.path(), item.resource().body(owner, name), ifMatch);
        case PATCH -> actors.patch(owner, item.path(), new JsonObject().put("name", name), ifMatch);
        case DELETE -> actors.delete(owner, item.path(), ifMatch);
      };
    }
  }

  /** A new item of a resource: its URL and the ETag it was read with. */
  record Item(WorkspaceResource resource, String path, String etag) {}

  private Actors actors;
  private Actor owner;
  private List<WorkspaceResource> resources;
  private long homeProject;

  @BeforeAll
  void describeResources() {
    WorkspaceResource workspaces = WorkspaceResource.workspaces(actors, WORKSPACE_KEYS);
    resources = List.of(WorkspaceResource.projects(PROJECT_KEYS), workspaces);
    homeProject = workspaces.home(owner);
  }

  List<WorkspaceResource> resources() {
    return resources;
  }

  /** Each resource with each of {@code changes}. */
  private Stream<Arguments> eachResourceWith(Change... changes) {
    return resources.stream().flatMap(resource -> Stream.of(changes).map(change -> Arguments.of(resource, change)));
  }

  Stream<Arguments> edits() {
    return eachResourceWith(Change.PUT, Change.PATCH);
  }

  Stream<Arguments> changes() {
    return eachResourceWith(Change.values());
  }

  private Item create(WorkspaceResource resource) {
    String path = resource.item(resource.create(actors, owner, "Versioned").getLong("id"));
    return new Item(resource, path, read(path).getHeader("ETag"));
  }

  private HttpResponse<Buffer> read(String path) {
    HttpResponse<Buffer> response = actors.get(owner, path);
    assertThat(response.statusCode()).isEqualTo(200);
    return response;
  }

  /** The ETag the item was read with, made stale by someone else's edit. */
  private String staleEtag(Item item) {
    actors.patch(owner, item.path(), new JsonObject().put("name", "someone else's edit"));
    return item.etag();
  }

  /** The item reads as it did in {@code before}: the same body and the same ETag. */
  private void assertUnchanged(String path, HttpResponse<Buffer> before) {
    HttpResponse<Buffer> after = read(path);
    assertThat(after.bodyAsJsonObject()).isEqualTo(before.bodyAsJsonObject());
    assertThat(after.getHeader("ETag")).isEqualTo(before.getHeader("ETag"));
  }

  // ---- ETags are there and move -----------------------------------------------------------------------------------

  @ForEachResource
  @DisplayName("GET answers carry an ETag, stable while nothing changes")
  void getHasEtag(WorkspaceResource resource) {
    Item item = create(resource);

    String again = read(item.path()).getHeader("ETag");

    assertThat(item.etag()).isNotBlank();
    assertThat(again).isEqualTo(item.etag());
  }

  @ForEachResource
  @DisplayName("The 201 of a creation carries the same ETag a GET then answers")
  void createHasEtag(WorkspaceResource resource) {
    HttpResponse<Buffer> created = actors.post(owner, resource.collection(), resource.body(owner, "fresh"));

    assertThat(created.statusCode()).isEqualTo(201);
    String path = resource.item(created.bodyAsJsonObject().getLong("id"));
    assertThat(created.getHeader("ETag")).isNotBlank().isEqualTo(read(path).getHeader("ETag"));
  }

  @ParameterizedTest(name = "{1} of a {0}")
  @MethodSource("edits")
  @DisplayName("PUT and PATCH with If-Match equal to the current ETag succeed and answer the new ETag, which GET then shows")
  void editWithCurrentEtag(WorkspaceResource resource, Change edit) {
    Item item = create(resource);

    HttpResponse<Buffer> response = edit.send(actors, owner, item, "edited with etag", item.etag());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("ETag")).isNotBlank().isNotEqualTo(item.etag());
    assertThat(read(item.path()).getHeader("ETag")).isEqualTo(response.getHeader("ETag"));
    assertThat(read(item.path()).bodyAsJsonObject().getString("name")).isEqualTo("edited with etag");
  }

  @ForEachResource
  @DisplayName("DELETE with If-Match equal to the current ETag succeeds with 204")
  void deleteWithCurrentEtag(WorkspaceResource resource) {
    Item item = create(resource);

    assertThat(actors.delete(owner, item.path(), item.etag()).statusCode()).isEqualTo(204);
    assertThat(actors.get(owner, item.path()).statusCode()).isEqualTo(404);
  }

  @ForEachResource
  @DisplayName("The ETag answered by a change can be used for the next change")
  void chainOfChanges(WorkspaceResource resource) {
    Item item = create(resource);
    String etag = item.etag();

    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> response = actors.patch(owner, item.path(), new JsonObject().put("name", "step " + i), etag);
      assertThat(response.statusCode()).as("step %d", i).isEqualTo(200);
      etag = response.getHeader("ETag");
    }

    assertThat(read(item.path()).bodyAsJsonObject().getString("name")).isEqualTo("step 2");
  }

  @ForEachResource
  @DisplayName("Without If-Match a change is accepted (the header is optional)")
  void noIfMatch(WorkspaceResource resource) {
    Item item = create(resource);

    assertThat(actors.patch(owner, item.path(), new JsonObject().put("name", "no precondition")).statusCode()).isEqualTo(200);
  }

  // ---- stale ETags -------------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{1} of a {0}")
  @MethodSource("changes")
  @DisplayName("PUT, PATCH and DELETE with a stale If-Match are 412 precondition_failed and change nothing")
  void changeWithStaleEtag(WorkspaceResource resource, Change change) {
    Item item = create(resource);
    String stale = staleEtag(item);
    HttpResponse<Buffer> before = read(item.path());

    HttpResponse<Buffer> response = change.send(actors, owner, item, "lost update", stale);

    assertError(response, 412, "precondition_failed");
    assertUnchanged(item.path(), before);
  }

  @ForEachResource
  @DisplayName("An If-Match that was never an ETag is 412 precondition_failed")
  void garbageEtag(WorkspaceResource resource) {
    Item item = create(resource);
    HttpResponse<Buffer> before = read(item.path());

    HttpResponse<Buffer> response = actors.patch(owner, item.path(), new JsonObject().put("name", "x"), "\"not-a-real-etag\"");

    assertError(response, 412, "precondition_failed");
    assertThat(read(item.path()).bodyAsJsonObject()).isEqualTo(before.bodyAsJsonObject());
  }

  @ForEachResource
  @DisplayName("Of several PATCHes sent at once with the same If-Match, exactly one wins; the others get 412")
  void racingEditors(WorkspaceResource resource) {
    Item item = create(resource);

    List<HttpResponse<Buffer>> answers = atOnce(6, i -> actors.request(owner, HttpMethod.PATCH, item.path())
        .putHeader("If-Match", item.etag()).sendJsonObject(new JsonObject().put("name", "editor " + i)));

    assertWinners(answers, 200, 1, 412, "precondition_failed");
    String winner = answers.stream().filter(r -> r.statusCode() == 200).findFirst().orElseThrow()
        .bodyAsJsonObject().getString("name");
    assertThat(read(item.path()).bodyAsJsonObject().getString("name")).isEqualTo(winner);
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
