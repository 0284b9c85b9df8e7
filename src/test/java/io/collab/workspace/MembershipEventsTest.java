package io.collab.workspace;

import io.collab.common.Bus;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
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
    long ws = actors.createWorkspace(owner, projectId, "removal").getLong("id");
    Actor member = actors.register("removed");
    actors.addMember(owner, ws, member, "collaborator");
    settle();

    expect(actors.delete(owner, member(ws, member.id())), 204);

    List<JsonObject> events = eventsFor(ws, member.id());
    assertThat(events).as("events for workspace %d, user %d among %s", ws, member.id(), received).hasSize(1);
    assertThat(events.get(0).getString("type")).isNotBlank();
  }

  @Test
  @DisplayName("Demoting a member publishes one event with type, workspace_id, user_id and the new role within 1 second")
  void demotion() {
    long ws = actors.createWorkspace(owner, projectId, "demotion").getLong("id");
    Actor member = actors.register("demoted");
    actors.addMember(owner, ws, member, "collaborator");
    settle();

    expect(actors.patch(owner, member(ws, member.id()), new JsonObject().put("role", "viewer")), 200);

    List<JsonObject> events = eventsFor(ws, member.id());
    assertThat(events).as("events for workspace %d, user %d among %s", ws, member.id(), received).hasSize(1);
    assertThat(events.get(0).getString("type")).isNotBlank();
    assertThat(events.get(0).getString("role")).isEqualTo("viewer");
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

    List<JsonObject> demotion = eventsFor(ws, demoted.id());
    List<JsonObject> removal = eventsFor(ws, removed.id());
    assertThat(demotion).hasSize(1);
    assertThat(removal).hasSize(1);
    assertThat(removal.get(0).getString("type")).isNotEqualTo(demotion.get(0).getString("type"));
  }

  @Test
  @DisplayName("Adding a member publishes one event with its role")
  void addition() {
    long ws = actors.createWorkspace(owner, projectId, "addition").getLong("id");
    Actor member = actors.register("added");

    actors.addMember(owner, ws, member, "viewer");

    List<JsonObject> events = eventsFor(ws, member.id());
    assertThat(events).as("events among %s", received).hasSize(1);
    assertThat(events.get(0).getString("role")).isEqualTo("viewer");
  }

  @Test
  @DisplayName("A member leaving publishes one event")
  void leaving() {
    long ws = actors.createWorkspace(owner, projectId, "leaving").getLong("id");
    Actor member = actors.register("leaver");
    actors.addMember(owner, ws, member, "viewer");
    settle();

    expect(actors.delete(member, member(ws, member.id())), 204);

    assertThat(eventsFor(ws, member.id())).as("events among %s", received).hasSize(1);
  }

  @Test
  @DisplayName("A demotion through the workspace's role arrays is published too")
  void demotionThroughRoleArrays() {
    long ws = actors.createWorkspace(owner, projectId, "arrays").getLong("id");
    Actor member = actors.register("arrayed");
    actors.addMember(owner, ws, member, "collaborator");
    settle();

    expect(actors.patch(owner, workspace(ws), new JsonObject()
        .put("collaborators", new JsonArray()).put("viewers", new JsonArray().add(member.id()))), 200);

    List<JsonObject> events = eventsFor(ws, member.id());
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
