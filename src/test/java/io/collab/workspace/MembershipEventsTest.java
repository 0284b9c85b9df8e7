package io.collab.workspace;

import io.collab.common.Bus;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Actors.Membership;
import io.collab.support.CollabTest;
import io.collab.support.TestApp;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.collab.support.Actors.expect;
import static io.collab.support.Actors.member;
import static io.collab.support.Actors.workspace;
import static io.collab.support.Pause.sleep;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Membership changes are published on {@link Bus#WORKSPACE_EVENTS} so that every instance can close or downgrade the
 * sockets of removed or demoted members. The test listens on the (non-clustered) test Vert.x instance's bus.
 */
@CollabTest
@DisplayName("Membership changes are published on Bus.WORKSPACE_EVENTS")
class MembershipEventsTest {

  private static final long WITHIN_MS = 1000;

  private TestApp app;
  private Actors actors;
  private Actor owner;
  private long projectId;
  private final List<Object> received = new CopyOnWriteArrayList<>();
  private MessageConsumer<Object> consumer;

  @BeforeAll
  void createProject() {
    projectId = actors.createProject(owner, "Events").getLong("id");
  }

  @BeforeEach
  void listen() {
    received.clear();
    consumer = app.vertx.eventBus().consumer(Bus.WORKSPACE_EVENTS, message -> received.add(message.body()));
    consumer.completion().await();
  }

  @AfterEach
  void stopListening() {
    consumer.unregister().await();
  }

  @Test
  @DisplayName("Removing a member publishes one event with type, workspace_id and user_id within 1 second")
  void removal() {
    Membership removed = actors.workspaceWithMember(owner, projectId, "removal", "removed", "collaborator");
    settle();

    expect(actors.delete(owner, member(removed.workspaceId(), removed.member().id())), 204);

    assertThat(onlyEventFor(removed).getString("type")).isNotBlank();
  }

  @Test
  @DisplayName("Demoting a member publishes one event with type, workspace_id, user_id and the new role within 1 second")
  void demotion() {
    Membership demoted = actors.workspaceWithMember(owner, projectId, "demotion", "demoted", "collaborator");
    settle();

    expect(actors.patch(owner, member(demoted.workspaceId(), demoted.member().id()),
        new JsonObject().put("role", "viewer")), 200);

    JsonObject event = onlyEventFor(demoted);
    assertThat(event.getString("type")).isNotBlank();
    assertThat(event.getString("role")).isEqualTo("viewer");
  }

  @Test
  @DisplayName("A removal and a role change are told apart by their type")
  void typesDiffer() {
    long ws = actors.createWorkspace(owner, projectId, "types").getLong("id");
    Actor demoted = actors.register("demoted");
    Actor removed = actors.register("removed");
    actors.addMember(owner, ws, demoted, "owner");
    actors.addMember(owner, ws, removed, "viewer");
    settle();

    expect(actors.patch(owner, member(ws, demoted.id()), new JsonObject().put("role", "viewer")), 200);
    expect(actors.delete(owner, member(ws, removed.id())), 204);

    String removal = onlyEventFor(new Membership(ws, removed)).getString("type");
    assertThat(removal).isNotEqualTo(onlyEventFor(new Membership(ws, demoted)).getString("type"));
  }

  @Test
  @DisplayName("Adding a member publishes one event with its role")
  void addition() {
    long ws = actors.createWorkspace(owner, projectId, "addition").getLong("id");
    Actor member = actors.register("added");

    actors.addMember(owner, ws, member, "viewer");

    assertThat(onlyEventFor(new Membership(ws, member)).getString("role")).isEqualTo("viewer");
  }

  @Test
  @DisplayName("A member leaving publishes one event")
  void leaving() {
    Membership leaver = actors.workspaceWithMember(owner, projectId, "leaving", "leaver", "viewer");
    settle();

    expect(actors.delete(leaver.member(), member(leaver.workspaceId(), leaver.member().id())), 204);

    onlyEventFor(leaver);
  }

  @Test
  @DisplayName("A demotion through the workspace's role arrays is published too")
  void demotionThroughRoleArrays() {
    Membership arrayed = actors.workspaceWithMember(owner, projectId, "arrays", "arrayed", "collaborator");
    settle();

    expect(actors.patch(owner, workspace(arrayed.workspaceId()), new JsonObject()
        .put("collaborators", new JsonArray()).put("viewers", new JsonArray().add(arrayed.member().id()))), 200);

    List<JsonObject> events = eventsFor(arrayed.workspaceId(), arrayed.member().id());
    assertThat(events).as("events among %s", received).isNotEmpty();
    assertThat(events.get(events.size() - 1).getString("role")).isEqualTo("viewer");
  }

  @Test
  @DisplayName("A refused change (last owner) publishes nothing")
  void refusedChangeIsSilent() {
    long ws = actors.createWorkspace(owner, projectId, "silent").getLong("id");
    settle();

    expect(actors.patch(owner, member(ws, owner.id()), new JsonObject().put("role", "viewer")), 409);

    assertThat(eventsFor(ws, owner.id())).isEmpty();
  }

  @Test
  @DisplayName("Deleting a workspace publishes an event naming it, so that its sockets can be closed")
  void workspaceDeletion() {
    long ws = actors.createWorkspace(owner, projectId, "deleted").getLong("id");
    settle();

    expect(actors.delete(owner, workspace(ws)), 204);

    assertThat(eventsOf(ws)).as("events among %s", received).isNotEmpty();
  }

  @Test
  @DisplayName("Deleting a project publishes an event for each of its workspaces")
  void projectDeletion() {
    long doomed = actors.createProject(owner, "doomed").getLong("id");
    long first = actors.createWorkspace(owner, doomed, "first").getLong("id");
    long second = actors.createWorkspace(owner, doomed, "second").getLong("id");
    settle();

    expect(actors.delete(owner, Actors.project(doomed)), 204);

    assertThat(eventsOf(first)).as("events among %s", received).isNotEmpty();
    assertThat(eventsOf(second)).as("events among %s", received).isNotEmpty();
  }

  /** Lets the events of the set-up arrive (until none came for 200 ms), then forgets them. */
  private void settle() {
    long deadline = System.currentTimeMillis() + 2 * WITHIN_MS;
    int seen = -1;
    while (System.currentTimeMillis() < deadline && seen != received.size()) {
      seen = received.size();
      sleep(200);
    }
    received.clear();
  }

  /** Waits the whole window, asserts that exactly one event names this workspace and member, and returns it. */
  private JsonObject onlyEventFor(Membership membership) {
    List<JsonObject> events = eventsFor(membership.workspaceId(), membership.member().id());
    assertThat(events).as("events for %s among %s", membership, received).hasSize(1);
    return events.get(0);
  }

  /** Waits the whole window, then returns the JSON events naming this workspace. */
  private List<JsonObject> eventsOf(long workspaceId) {
    return eventsFor(workspaceId, null);
  }

  /** Waits the whole window, then returns the JSON events naming this workspace and user. */
  private List<JsonObject> eventsFor(long workspaceId, Long userId) {
    sleep(WITHIN_MS);
    return received.stream()
        .map(body -> body instanceof JsonObject json ? json : null)
        .filter(json -> json != null)
        .filter(json -> json.getValue("workspace_id") instanceof Number n && n.longValue() == workspaceId)
        .filter(json -> userId == null || json.getValue("user_id") instanceof Number n && n.longValue() == userId)
        .toList();
  }
}
