package io.collab.realtime;

import io.collab.common.Bus;
import io.collab.documents.ChangeSet;
import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Documents;
import io.collab.support.SocketTeam;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.collab.support.Documents.insert;
import static io.collab.support.SocketTeam.Role.COLLABORATOR;
import static io.collab.support.SocketTeam.Role.OWNER;
import static io.collab.support.SocketTeam.Role.VIEWER;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The editing protocol ({@code doc_*}, docs/realtime.md "Editing files") over real sockets, on two instances sharing
 * PostgreSQL, Redis and the JWT secret: the first instance is where most editors connect, the second is "the other
 * instance" whose accepted pushes and REST changes must reach them.
 */
@CollabTest(settings = {
    "files.historyLength=" + DocumentSocketTest.HISTORY, "realtime.messagesPerSecond=" + DocumentSocketTest.RATE,
    "realtime.maxDroppedBeforeClose=1000"})
@DisplayName("Editing files over the workspace socket")
class DocumentSocketTest {

  /** Small enough for the doc_reload case to trim the log with one push. */
  static final int HISTORY = 50;
  static final int RATE = 50;

  private TestApp first;
  private TestApp second;
  private Actors actors;

  @Test
  @DisplayName("doc_open answers doc_state with the file's path, version and content, and the ref")
  void openGivesTheState() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, VIEWER)) {
      long file = Documents.create(actors, on.team().owner(), on.team().workspaceId(), "main.py", "print(1)\n");
      JsonObject state = Documents.open(on.viewer(), file);

      assertThat(state.getString("type")).isEqualTo("doc_state");
      assertThat(state.getLong("file_id")).isEqualTo(file);
      assertThat(state.getString("path")).isEqualTo("main.py");
      assertThat(state.getLong("version")).isZero();
      assertThat(state.getString("content")).isEqualTo("print(1)\n");
    }
  }

  @Test
  @DisplayName("a push is acked with the version after it and reaches every editor of the file, the pusher and one on the other instance included, exactly once")
  void pushReachesEveryEditor() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER, COLLABORATOR).join(second, VIEWER)) {
      long file = fileOpenOn(on, "abc", on.joined());

      JsonObject ack = Documents.push(on.owner(), file, 0, insert("p1", 3, 3, "d"), insert("p1", 4, 0, ">"));

      assertThat(ack.getString("type")).isEqualTo("doc_ack");
      assertThat(ack.getLong("version")).isEqualTo(2);
      assertThat(ack.getLong("file_id")).isEqualTo(file);
      for (Client editor : on.joined()) {
        List<JsonObject> updates = Documents.updates(editor, file, 0, 2);
        assertThat(Documents.apply("abc", updates)).isEqualTo(">abcd");
        assertThat(updates).extracting(u -> u.getString("clientID")).containsExactly("p1", "p1");
        assertThat(Documents.liveUpdatesWithin(editor, file, Duration.ofMillis(200))).isEmpty();
      }
      assertThat(stored(on, file).getString("content")).isEqualTo(">abcd");
    }
  }

  @Test
  @DisplayName("a viewer's push is refused with forbidden, while the viewer keeps receiving the file's updates")
  void viewerPushIsForbidden() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, VIEWER).join(second, OWNER)) {
      long file = fileOpenOn(on, "x", List.of(on.viewer()));

      JsonObject refused = Documents.push(on.viewer(), file, 0, insert("v", 1, 0, "no"));
      Documents.push(on.owner(), file, 0, insert("o", 1, 1, "y"));

      assertThat(refused.getString("type")).isEqualTo("error");
      assertThat(refused.getString("error")).isEqualTo("forbidden");
      assertThat(Documents.apply("x", Documents.updates(on.viewer(), file, 0, 1))).isEqualTo("xy");
      assertThat(stored(on, file).getLong("version")).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("a file of another workspace is not_found for open, push and pull, as is a file id that does not exist")
  void anotherWorkspacesFileIsNotFound() {
    Team other = Teams.create(actors);
    long theirs = Documents.create(actors, other.owner(), other.workspaceId(), "secret");
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER)) {
      Client socket = on.owner();
      assertThat(Documents.open(socket, theirs).getString("error")).isEqualTo("not_found");
      assertThat(Documents.push(socket, theirs, 0, insert("c", 6, 0, "!")).getString("error")).isEqualTo("not_found");
      assertThat(Documents.pull(socket, theirs, 0).getString("error")).isEqualTo("not_found");
      assertThat(Documents.open(socket, Long.MAX_VALUE).getString("error")).isEqualTo("not_found");
    }
    assertThat(Documents.get(actors, other.owner(), other.workspaceId(), theirs).getString("content"))
        .isEqualTo("secret");
  }

  @Test
  @DisplayName("malformed doc events get bad_message, changes that are malformed or do not fit get doc_invalid_change, the socket stays open and nothing is applied")
  void malformedPushes() {
    JsonArray good = new JsonArray().add(insert("c", 3, 0, "x"));
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER)) {
      long file = file(on, "abc");
      Client socket = on.owner();
      List<JsonObject> badMessages = List.of(
          new JsonObject().put("file_id", "1").put("version", 0).put("updates", good),
          new JsonObject().put("file_id", 0).put("version", 0).put("updates", good),
          new JsonObject().put("file_id", 1.5).put("version", 0).put("updates", good),
          new JsonObject().put("file_id", file).put("version", -1).put("updates", good),
          new JsonObject().put("file_id", file).put("version", "0").put("updates", good),
          new JsonObject().put("file_id", file).put("updates", good),
          new JsonObject().put("file_id", file).put("version", 0).put("updates", "x"),
          new JsonObject().put("file_id", file).put("version", 0).put("updates", new JsonArray()),
          new JsonObject().put("file_id", file).put("version", 0).put("updates", new JsonArray().add(3)));
      for (JsonObject payload : badMessages) {
        socket.send("doc_push", payload, "bad");
        assertThat(Documents.reply(socket, "bad").getString("error")).as("%s", payload).isEqualTo("bad_message");
      }
      socket.sendText(new JsonObject().put("event", "doc_push").put("payload", "text").put("ref", "np").encode());
      assertThat(Documents.reply(socket, "np").getString("error")).isEqualTo("bad_message");
      socket.send("doc_frobnicate", new JsonObject().put("file_id", file), "unknown");
      assertThat(Documents.reply(socket, "unknown").getString("error")).isEqualTo("bad_message");

      List<JsonObject> invalid = List.of(
          new JsonObject().put("clientID", "c").put("changes", new JsonArray().add("x")),
          new JsonObject().put("clientID", 5).put("changes", new JsonArray().add(3)),
          new JsonObject().put("changes", new JsonArray().add(3)),
          insert("c", 4, 0, "too long for abc"),
          insert("c", 2, 0, "too short for abc"));
      for (JsonObject update : invalid) {
        assertThat(Documents.push(socket, file, 0, update).getString("error")).as("%s", update)
            .isEqualTo("doc_invalid_change");
      }
      assertThat(Documents.push(socket, file, 7, insert("c", 3, 0, "x")).getString("error"))
          .as("a version ahead of the file").isEqualTo("doc_invalid_change");

      assertThat(socket.isClosed()).isFalse();
      assertThat(Documents.push(socket, file, 0, insert("c", 3, 0, "x")).getString("type")).isEqualTo("doc_ack");
      assertThat(stored(on, file).getString("content")).isEqualTo("xabc");
    }
  }

  @Test
  @DisplayName("doc events are never relayed as broadcasts")
  void docEventsAreNotBroadcast() {
    try (SocketTeam on = SocketTeam.create(actors).join(second, COLLABORATOR).join(first, OWNER)) {
      long file = file(on, "");
      Client socket = on.owner();
      Documents.open(socket, file);
      Documents.push(socket, file, 0, insert("c", 0, 0, "a"));
      Documents.pull(socket, file, 0);
      socket.send("doc_close", new JsonObject().put("file_id", file));

      List<JsonObject> seen = on.collaborator().upToMarkerFrom(socket);
      assertThat(seen).filteredOn(Sockets.type("broadcast"))
          .noneMatch(m -> m.getString("event").startsWith("doc_"));
    }
  }

  @Test
  @DisplayName("pushes count against the socket's message rate: over it, a push is dropped with rate_limited and not applied")
  void pushesAreRateLimited() {
    int sent = RATE * 3;  // past the bucket even when a loaded machine spreads the burst over two seconds
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER)) {
      long file = file(on, "");
      Client socket = on.owner();
      for (int i = 0; i < sent; i++) {
        // one update sent again and again: the first accepted push applies it, the others are re-sends
        socket.send("doc_push", push(file, 0, insert("c", 0, 0, "x")), "p" + i);
      }
      int acked = 0;
      int limited = 0;
      long deadline = System.nanoTime() + Sockets.WAIT.toNanos();
      while (acked + limited < sent && System.nanoTime() < deadline) {
        JsonObject message = socket.next();
        if ("doc_ack".equals(message.getString("type"))) {
          acked++;
        } else if ("rate_limited".equals(message.getString("error"))) {
          limited++;
        }
      }

      assertThat(limited).isPositive();
      assertThat(acked).isPositive();
      assertThat(acked + limited).isEqualTo(sent);
      assertThat(stored(on, file).getString("content")).isEqualTo("x");
    }
  }

  @Test
  @DisplayName("a push at a stale version is rebased over the updates accepted since, and every editor ends with the same text")
  void stalePushIsRebased() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER).join(second, COLLABORATOR)) {
      long file = Documents.create(actors, on.team().owner(), on.team().workspaceId(), "main.py", "print(1)");
      on.joined().forEach(editor -> Documents.open(editor, file));

      JsonObject aliceAck = Documents.push(on.owner(), file, 0, insert("a1", 8, 0, "# "));
      JsonObject bobAck = Documents.push(on.collaborator(), file, 0,
          Documents.update("b7", ChangeSet.of(8, 6, 7, "2")));

      assertThat(aliceAck.getLong("version")).isEqualTo(1);
      assertThat(bobAck.getString("type")).isEqualTo("doc_ack");
      assertThat(bobAck.getLong("version")).isEqualTo(2);
      for (Client editor : on.joined()) {
        List<JsonObject> updates = Documents.updates(editor, file, 0, 2);
        assertThat(updates.get(1)).isEqualTo(new JsonObject().put("clientID", "b7")
            .put("changes", new JsonArray().add(8).add(new JsonArray().add(1).add("2")).add(1)));
        assertThat(Documents.apply("print(1)", updates)).isEqualTo("# print(2)");
      }
      assertThat(stored(on, file).getString("content")).isEqualTo("# print(2)");
    }
  }

  @Test
  @DisplayName("a push re-sent after its ack was missed is acked at the current version and not applied or sent twice")
  void resentPushIsNotDoubled() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER).join(second, COLLABORATOR)) {
      long file = fileOpenOn(on, "ab", List.of(on.collaborator()));
      JsonObject update = insert("twice", 2, 1, "-");

      assertThat(Documents.push(on.owner(), file, 0, update).getLong("version")).isEqualTo(1);
      assertThat(Documents.push(on.owner(), file, 0, update).getLong("version")).isEqualTo(1);

      assertThat(Documents.updates(on.collaborator(), file, 0, 1)).containsExactly(update);
      assertThat(Documents.liveUpdatesWithin(on.collaborator(), file, Duration.ofMillis(300))).isEmpty();
      JsonObject stored = stored(on, file);
      assertThat(stored.getString("content")).isEqualTo("a-b");
      assertThat(stored.getLong("version")).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("doc_pull from 0 replays every update, and applying them to the created text gives the current content")
  void pullFromZeroReplays() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER)) {
      long file = file(on, "start");
      Client socket = on.owner();
      String text = "start";
      for (int i = 0; i < 10; i++) {
        ChangeSet change = ChangeSet.of(text.length(), i % (text.length() + 1), i % (text.length() + 1), "é😀" + i);
        Documents.push(socket, file, i, Documents.update("c", change));
        text = change.apply(text);
      }

      JsonObject pulled = Documents.pull(socket, file, 0);

      assertThat(pulled.getString("type")).isEqualTo("doc_updates");
      assertThat(pulled.getLong("version")).isZero();
      assertThat(pulled.getJsonArray("updates")).hasSize(10);
      assertThat(Documents.apply("start", pulled.getJsonArray("updates").getList())).isEqualTo(text)
          .isEqualTo(stored(on, file).getString("content"));
      JsonObject tail = Documents.pull(socket, file, 7);
      assertThat(tail.getLong("version")).isEqualTo(7);
      assertThat(tail.getJsonArray("updates")).hasSize(3);
    }
  }

  @Test
  @DisplayName("doc_pull from before the retained log answers doc_reload, and a socket that opens again gets the current state")
  void pullBeyondTheLogAnswersReload() {
    int n = HISTORY + HISTORY / 4;
    List<JsonObject> updates = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      updates.add(insert("c", i, i, "x"));
    }
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER)) {
      long file = file(on, "");
      Client socket = on.owner();
      assertThat(Documents.push(socket, file, 0, updates.toArray(JsonObject[]::new)).getLong("version")).isEqualTo(n);

      JsonObject refused = Documents.pull(socket, file, 0);

      assertThat(refused.getString("type")).isEqualTo("error");
      assertThat(refused.getString("error")).isEqualTo("doc_reload");
      JsonObject state = Documents.open(socket, file);
      assertThat(state.getLong("version")).isEqualTo(n);
      assertThat(state.getString("content")).isEqualTo("x".repeat(n));
      assertThat(Documents.pull(socket, file, n - 5).getJsonArray("updates")).hasSize(5);
    }
  }

  @Test
  @DisplayName("an update accepted while doc_open is in flight is sent once, after doc_state, or is already in it")
  void updatesRacingTheOpen() {
    try (SocketTeam on = SocketTeam.create(actors).join(second, OWNER).join(first, COLLABORATOR)) {
      long file = file(on, "");
      Client writer = on.owner();
      Client reader = on.collaborator();
      for (int i = 0; i < 20; i++) {
        writer.send("doc_push", push(file, i, insert("w", i, i, "x")), "w" + i);
        if (i == 5) {
          reader.send("doc_open", new JsonObject().put("file_id", file), "open");
        }
      }
      JsonObject state = Documents.reply(reader, "open");
      List<JsonObject> after = Documents.updates(reader, file, state.getLong("version"), 20);

      assertThat(Documents.apply(state.getString("content"), after)).isEqualTo("x".repeat(20));
      assertThat(Documents.liveUpdatesWithin(reader, file, Duration.ofMillis(200))).isEmpty();
    }
  }

  @Test
  @DisplayName("doc_close stops the file's updates on that socket only")
  void closeStopsUpdates() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, OWNER, COLLABORATOR)) {
      long file = fileOpenOn(on, "", on.joined());
      on.owner().send("doc_close", new JsonObject().put("file_id", file));
      on.owner().upToMarkerFrom(on.owner());

      Documents.push(on.collaborator(), file, 0, insert("s", 0, 0, "a"));

      assertThat(Documents.updates(on.collaborator(), file, 0, 1)).hasSize(1);
      assertThat(Documents.liveUpdatesWithin(on.owner(), file, Duration.ofMillis(300))).isEmpty();
    }
  }

  @Test
  @DisplayName("a collaborator demoted to viewer keeps receiving updates but their pushes are refused with forbidden")
  void demotedToViewer() {
    try (SocketTeam on = SocketTeam.create(actors).join(first, COLLABORATOR).join(second, OWNER)) {
      Team team = on.team();
      long file = fileOpenOn(on, "", List.of(on.collaborator()));
      Client collaborator = on.collaborator();
      assertThat(Documents.push(collaborator, file, 0, insert("c", 0, 0, "a")).getString("type")).isEqualTo("doc_ack");

      Documents.updates(collaborator, file, 0, 1);
      Actors.expect(actors.patch(team.owner(), Actors.member(team.workspaceId(), team.collaborator().id()),
          new JsonObject().put("role", "viewer")), 200);
      collaborator.awaitType("role_changed");
      JsonObject refused = Documents.push(collaborator, file, 1, insert("c", 1, 1, "b"));
      Documents.push(on.owner(), file, 1, insert("o", 1, 1, "c"));

      assertThat(refused.getString("error")).isEqualTo("forbidden");
      assertThat(Documents.apply("a", Documents.updates(collaborator, file, 1, 2))).isEqualTo("ac");
    }
  }

  @Test
  @DisplayName("PUT, rename and delete over REST reach an editor on the other instance: one whole-text update from rest, doc_renamed, then doc_deleted, after which a push is not_found")
  void restChangesReachTheOtherInstance() {
    try (SocketTeam on = SocketTeam.create(actors).join(second, COLLABORATOR)) {
      Team team = on.team();
      long file = Documents.create(actors, team.owner(), team.workspaceId(), "old.txt", "abc");
      Client editor = on.collaborator();
      Documents.open(editor, file);

      Actors.expect(actors.put(team.owner(), Documents.file(team.workspaceId(), file),
          new JsonObject().put("content", "xyz\n")), 200);
      List<JsonObject> replaced = Documents.updates(editor, file, 0, 1);
      Actors.expect(actors.patch(team.owner(), Documents.file(team.workspaceId(), file),
          new JsonObject().put("path", "new.txt")), 200);
      JsonObject renamed = editor.awaitType("doc_renamed");
      Actors.expect(actors.delete(team.owner(), Documents.file(team.workspaceId(), file)), 204);
      JsonObject deleted = editor.awaitType("doc_deleted");

      assertThat(replaced).singleElement().satisfies(update ->
          assertThat(update.getString("clientID")).isEqualTo(Protocol.REST_CLIENT_ID));
      assertThat(Documents.apply("abc", replaced)).isEqualTo("xyz\n");
      assertThat(renamed.getLong("file_id")).isEqualTo(file);
      assertThat(renamed.getString("path")).isEqualTo("new.txt");
      assertThat(deleted.getLong("file_id")).isEqualTo(file);
      assertThat(Documents.push(editor, file, 1, insert("c", 4, 0, "!")).getString("error")).isEqualTo("not_found");
    }
  }

  @Test
  @DisplayName("over the SockJS bridge a registered client opens, pushes and receives exactly as a raw socket does, across instances")
  void bridgeClient() {
    Team team = Teams.create(actors);
    long file = file(team, "abc");
    try (BridgeClient bridge = BridgeClient.connect(first, team.collaborator().access());
         Client raw = Sockets.join(second, team.workspaceId(), team.owner().access())) {
      Documents.open(raw, file);
      assertThat(bridge.send(team.workspaceId(), "doc_open", new JsonObject().put("file_id", file), "o"))
          .as("a doc event before registering has nowhere to be answered").isEqualTo("err");
      bridge.register(team.workspaceId());

      JsonObject state = bridge.request(team.workspaceId(), "doc_open", new JsonObject().put("file_id", file), "o");
      JsonObject ack = bridge.request(team.workspaceId(), "doc_push", push(file, 0, insert("bridge", 3, 3, "d")), "p");
      JsonObject own = bridge.await(Documents.liveUpdates(file));
      List<JsonObject> rawGot = new ArrayList<>(Documents.updates(raw, file, 0, 1));
      Documents.push(raw, file, 1, insert("raw", 4, 0, ">"));
      rawGot.addAll(Documents.updates(raw, file, 1, 2));
      JsonObject fromRaw = bridge.await(Documents.liveUpdates(file));

      assertThat(state.getString("type")).isEqualTo("doc_state");
      assertThat(state.getString("content")).isEqualTo("abc");
      assertThat(ack.getString("type")).isEqualTo("doc_ack");
      assertThat(ack.getLong("version")).isEqualTo(1);
      assertThat(own.getLong("version")).isZero();
      assertThat(fromRaw.getLong("version")).isEqualTo(1);
      assertThat(Documents.apply("abc", List.of(own.getJsonArray("updates").getJsonObject(0),
          fromRaw.getJsonArray("updates").getJsonObject(0)))).isEqualTo(">abcd");
      assertThat(Documents.apply("abc", rawGot)).isEqualTo(">abcd");
    }
  }

  @Test
  @DisplayName("doc events on the SockJS bridge count against the socket's message rate: over it, rate_limited arrives on the registration")
  void bridgeRateLimit() {
    Team team = Teams.create(actors);
    long file = file(team, "abc");
    try (BridgeClient bridge = BridgeClient.join(first, team.owner().access(), team.workspaceId())) {
      for (int i = 0; i < RATE * 3; i++) {  // past the bucket even when a loaded machine spreads the burst
        bridge.send(team.workspaceId(), "doc_pull", new JsonObject().put("file_id", file).put("version", 0), "r" + i);
      }

      JsonObject limited = bridge.await(m -> "rate_limited".equals(m.getString("error")));
      JsonObject answered = bridge.await(m -> "r0".equals(m.getValue("ref")));

      assertThat(limited.getString("type")).isEqualTo("error");
      assertThat(answered.getString("type")).isEqualTo("doc_updates");
    }
  }

  @Test
  @DisplayName("a registered bridge sender is judged by the role its registration holds: a viewer's edit is refused, "
      + "its cursor is not, and after a promotion its edit goes through")
  void bridgeSendsUseTheRegistrationsRole() {
    Team team = Teams.create(actors);
    try (BridgeClient bridge = BridgeClient.join(first, team.viewer().access(), team.workspaceId())) {
      assertThat(bridge.send(team.workspaceId(), "edit", new JsonObject(), "e1")).isEqualTo("err");
      assertThat(bridge.send(team.workspaceId(), "cursor", new JsonObject(), "c1")).isEqualTo("rec");

      actors.patch(team.owner(), Actors.member(team.workspaceId(), team.viewer().id()),
          new JsonObject().put("role", "collaborator"));
      bridge.await(m -> "role_changed".equals(m.getString("type")));
      assertThat(bridge.send(team.workspaceId(), "edit", new JsonObject(), "e2")).isEqualTo("rec");
    }
  }

  @Test
  @DisplayName("a viewer on the SockJS bridge may open but not push")
  void bridgeViewer() {
    Team team = Teams.create(actors);
    long file = file(team, "abc");
    try (BridgeClient bridge = BridgeClient.join(second, team.viewer().access(), team.workspaceId())) {
      JsonObject state = bridge.request(team.workspaceId(), "doc_open", new JsonObject().put("file_id", file), "o");
      JsonObject refused = bridge.request(team.workspaceId(), "doc_push", push(file, 0, insert("v", 3, 0, "x")), "p");

      assertThat(state.getString("type")).isEqualTo("doc_state");
      assertThat(refused.getString("error")).isEqualTo("forbidden");
    }
  }

  @Test
  @DisplayName("updates whose messages never reached an instance are pulled when a later update shows the gap, and the editor gets all of them once, in order")
  void lostMessagesArePulled() {
    try (SocketTeam on = SocketTeam.create(actors).join(second, COLLABORATOR).join(first, OWNER)) {
      long file = fileOpenOn(on, "", List.of(on.collaborator()));
      Client reader = on.collaborator();
      // committed straight through the document service: accepted, but never published (as if Redis lost them)
      for (int i = 0; i < 3; i++) {
        first.vertx.eventBus().request(Bus.local(Bus.DOCS_PUSH), push(file, i, insert("lost", i, i, "l"))
            .put("actor", on.team().owner().id()).put("workspace_id", on.team().workspaceId())).await();
      }

      Documents.push(on.owner(), file, 3, insert("w", 3, 3, "!"));
      List<JsonObject> received = Documents.updates(reader, file, 0, 4);

      assertThat(received).extracting(u -> u.getString("clientID")).containsExactly("lost", "lost", "lost", "w");
      assertThat(Documents.apply("", received)).isEqualTo("lll!");
      assertThat(Documents.liveUpdatesWithin(reader, file, Duration.ofMillis(200))).isEmpty();
    }
  }

  @Test
  @DisplayName("a member removed from the workspace is closed with 4003, files and all, while the others keep editing")
  void removedMemberIsClosed() {
    // membership events travel on the clustered event bus, which these two unclustered instances do not share:
    // the removed member is on the instance that serves the REST call (ClusteredRealtimeTest covers the other case)
    try (SocketTeam on = SocketTeam.create(actors).join(first, COLLABORATOR).join(second, OWNER)) {
      Team team = on.team();
      long file = fileOpenOn(on, "", on.joined());

      Actors.expect(actors.delete(team.owner(), Actors.member(team.workspaceId(), team.collaborator().id())), 204);
      Sockets.Closed closed = on.collaborator().awaitClose(Sockets.WAIT);
      JsonObject ack = Documents.push(on.owner(), file, 0, insert("o", 0, 0, "still here"));

      assertThat(closed.status()).isEqualTo((short) 4003);
      assertThat(ack.getString("type")).isEqualTo("doc_ack");
      assertThat(Documents.apply("", Documents.updates(on.owner(), file, 0, 1))).isEqualTo("still here");
    }
  }

  /** A new file of the team's workspace, created by its owner with {@code content}. */
  private long file(Team team, String content) {
    return Documents.create(actors, team.owner(), team.workspaceId(), content);
  }

  private long file(SocketTeam on, String content) {
    return file(on.team(), content);
  }

  /** A new file of the team's workspace with {@code content}, which {@code editors} have open. */
  private long fileOpenOn(SocketTeam on, String content, List<Client> editors) {
    long file = file(on, content);
    editors.forEach(editor -> Documents.open(editor, file));
    return file;
  }

  /** The file as stored, read by the owner over REST. */
  private JsonObject stored(SocketTeam on, long file) {
    return Documents.get(actors, on.team().owner(), on.team().workspaceId(), file);
  }

  /** The payload of a doc_push of {@code updates} onto {@code version} of the file. */
  private static JsonObject push(long file, long version, JsonObject... updates) {
    return new JsonObject().put("file_id", file).put("version", version)
        .put("updates", new JsonArray(List.of((Object[]) updates)));
  }
}
