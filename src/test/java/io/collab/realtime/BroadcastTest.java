package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.SocketTeam;
import io.collab.support.Sockets;
import io.collab.support.SocketsOfOneUser;
import io.collab.support.Sockets.Client;
import io.collab.support.Sockets.RawSocket;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static io.collab.support.SocketTeam.Role.COLLABORATOR;
import static io.collab.support.SocketTeam.Role.OWNER;
import static io.collab.support.SocketTeam.Role.VIEWER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

// A rate limit out of the way: bursts are the point of some tests here, and SocketRateLimitTest's subject.
@CollabTest(settings = {"realtime.messagesPerSecond=1000"})
@DisplayName("Broadcasts and presence on a workspace socket")
class BroadcastTest {

  private TestApp app;
  private Actors actors;

  @Test
  @DisplayName("an event reaches every member, the sender included: "
      + "{type: broadcast, event, payload, user, ts, epoch, seq}")
  void broadcastShape() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR, VIEWER)) {
      JsonObject payload = new JsonObject().put("file", "main.py").put("line", 3).put("text", "print('hi') ✓");

      on.collaborator().send("edit", payload);

      for (Client member : on.joined()) {
        JsonObject message = member.awaitEvent("edit");
        assertThat(message.fieldNames())
            .containsExactlyInAnyOrder("type", "event", "payload", "user", "ts", "epoch", "seq");
        assertThat(message.getString("epoch")).isEqualTo(member.presence.getString("epoch")).isNotBlank();
        assertThat(message.getString("type")).isEqualTo("broadcast");
        assertThat(message.getJsonObject("payload")).isEqualTo(payload);
        assertThat(message.getString("user")).isEqualTo(on.team().collaborator().email());
        assertThat(message.getValue("seq")).isInstanceOf(Number.class);
        assertThat(OffsetDateTime.parse(message.getString("ts")).toInstant())
            .isCloseTo(Instant.now(), within(Duration.ofSeconds(10)));
      }
    }
  }

  @Test
  @DisplayName("a message with a ref is acknowledged to its sender: {type: ack, ref, seq}, with its broadcast's seq")
  void ack() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      Client owner = on.owner();
      owner.send("edit", new JsonObject().put("n", 1), "r-1");

      // the ack may come before or after the broadcast; both must be there
      List<JsonObject> seen = owner.upTo("the ack", Sockets.type("ack"));
      JsonObject ack = seen.get(seen.size() - 1);
      JsonObject broadcast = seen.stream().filter(Sockets.event("edit")).findFirst()
          .orElseGet(() -> owner.awaitEvent("edit"));
      assertThat(ack.getValue("ref")).isEqualTo("r-1");
      assertThat(ack.getLong("seq")).isEqualTo(broadcast.getLong("seq"));
    }
  }

  @Test
  @DisplayName("a numeric ref is echoed back as the same number")
  void numericRef() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      on.owner().send("edit", new JsonObject(), 42);

      assertThat(on.owner().awaitType("ack").getValue("ref")).isEqualTo(42);
    }
  }

  @Test
  @DisplayName("only the sender gets the ack")
  void ackOnlyToSender() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      on.owner().send("edit", new JsonObject().put("n", 1), "mine");

      List<JsonObject> seen = on.collaborator().upToMarkerFrom(on.owner());

      assertThat(seen).noneMatch(Sockets.type("ack"));
    }
  }

  @Test
  @DisplayName("seq increases by one per event in a workspace, whoever sends")
  void seqIncreasesByOne() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR, VIEWER)) {
      on.viewer().awaitEvent("user_join");
      for (int i = 0; i < 10; i++) {
        Client sender = i % 2 == 0 ? on.owner() : on.collaborator();
        sender.send("edit", new JsonObject().put("n", i), "r" + i);
        // one at a time, so that the order of sending is the order of sequencing
        sender.awaitType("ack");
      }

      List<JsonObject> received = on.viewer().broadcasts(10, Sockets.WAIT).stream()
          .filter(Sockets.event("edit")).toList();

      assertThat(received).hasSize(10);
      for (int i = 0; i < 10; i++) {
        assertThat(received.get(i).getJsonObject("payload").getInteger("n")).isEqualTo(i);
        assertThat(received.get(i).getLong("seq")).isEqualTo(received.get(0).getLong("seq") + i);
      }
    }
  }

  @Test
  @DisplayName("events sent back to back by one socket are sequenced and broadcast in the order they were sent")
  void senderOrderKept() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, COLLABORATOR, VIEWER)) {
      // its own user_join: the collaborator's, still on its way to a hub that subscribed a moment ago, comes before
      on.viewer().await("the viewer's user_join", Sockets.event("user_join", on.team().viewer()));
      List<Integer> sent = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        on.collaborator().send("edit", new JsonObject().put("n", i));
        sent.add(i);
      }

      List<JsonObject> received = on.viewer().broadcasts(50, Sockets.WAIT);

      assertThat(received.stream().map(m -> m.getJsonObject("payload").getInteger("n")))
          .containsExactlyElementsOf(sent);
      for (int i = 1; i < received.size(); i++) {
        assertThat(received.get(i).getLong("seq")).isEqualTo(received.get(i - 1).getLong("seq") + 1);
      }
    }
  }

  @Test
  @DisplayName("each workspace counts its own seq")
  void seqPerWorkspace() {
    try (SocketsOfOneUser user = SocketsOfOneUser.join(app, actors)) {
      Client a = user.first();
      Client b = user.second();
      long aJoin = a.awaitEvent("user_join").getLong("seq");
      long bJoin = b.awaitEvent("user_join").getLong("seq");
      for (int i = 0; i < 5; i++) {
        a.send("edit", new JsonObject().put("n", i));
      }
      List<JsonObject> inFirst = a.broadcasts(5, Sockets.WAIT);

      b.send("edit", new JsonObject().put("n", 0));

      assertThat(inFirst.get(4).getLong("seq")).isEqualTo(aJoin + 5);
      assertThat(b.awaitEvent("edit").getLong("seq")).isEqualTo(bJoin + 1);
    }
  }

  @Test
  @DisplayName("events of one workspace never reach the sockets of another")
  void isolation() {
    try (SocketsOfOneUser user = SocketsOfOneUser.join(app, actors)) {
      user.first().send("secret", new JsonObject());
      user.first().awaitEvent("secret");

      List<JsonObject> seen = user.second().upToMarkerFrom(user.second());

      assertThat(seen).noneMatch(Sockets.event("secret"));
    }
  }

  @Test
  @DisplayName("a user's first connection is announced to members with a user_join broadcast whose user is their email")
  void userJoin() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      JsonObject join = on.owner().await("user_join of the collaborator",
          Sockets.event("user_join", on.team().collaborator()));

      assertThat(join.getValue("seq")).isInstanceOf(Number.class);
      assertThat(join.getString("ts")).isNotBlank();
      // the joining socket itself sees its own user_join too, after its presence_state
      assertThat(on.collaborator().await("own user_join", Sockets.event("user_join", on.team().collaborator())))
          .isNotNull();
    }
  }

  @Test
  @DisplayName("presence_state on join lists every user online, one entry each with user_id, email and username")
  void presenceState() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR, VIEWER)) {
      Team team = on.team();
      JsonArray users = on.viewer().presence.getJsonArray("users");

      assertThat(users).hasSize(3);
      assertThat(on.viewer().presentUserIds())
          .containsExactlyInAnyOrder(team.owner().id(), team.collaborator().id(), team.viewer().id());
      JsonObject ownerEntry = on.viewer().presenceOf(team.owner());
      assertThat(ownerEntry.fieldNames()).contains("user_id", "email", "username");
      assertThat(ownerEntry.getString("email")).isEqualTo(team.owner().email());
      assertThat(ownerEntry.getString("username")).isEqualTo(team.owner().username());
    }
  }

  @Test
  @DisplayName("a user connected several times appears once in presence_state")
  void presenceOncePerUser() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER)) {
      on.another(app, OWNER);
      Client third = on.another(app, OWNER);
      on.join(app, VIEWER);

      assertThat(third.presence.getJsonArray("users")).hasSize(1);
      assertThat(on.viewer().presentUserIds())
          .containsExactlyInAnyOrder(on.team().owner().id(), on.team().viewer().id());
    }
  }

  @Test
  @DisplayName("a second connection of the same user causes no new user_join")
  void secondConnectionNoJoin() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      on.owner().await("user_join of the collaborator", Sockets.event("user_join", on.team().collaborator()));

      List<JsonObject> seen = on.owner().upToMarkerFrom(on.another(app, COLLABORATOR));

      assertThat(seen).noneMatch(Sockets.event("user_join"));
    }
  }

  @Test
  @DisplayName("user_leave is broadcast only when a user's last connection closes")
  void userLeaveAfterLastConnection() {
    try (SocketTeam on = SocketTeam.create(actors).join(app, OWNER, COLLABORATOR)) {
      Client second = on.another(app, COLLABORATOR);

      on.collaborator().close();
      List<JsonObject> whileOneLeft = on.owner().upToMarkerFrom(second);
      JsonObject leave = second.leaveSeenBy(on.owner());

      assertThat(whileOneLeft).noneMatch(Sockets.event("user_leave"));
      assertThat(leave.getString("user")).isEqualTo(on.team().collaborator().email());
      assertThat(leave.getValue("seq")).isInstanceOf(Number.class);
    }
  }

  @Test
  @DisplayName("a member closing its socket does not hold up broadcasts to the members who stay")
  void closingMemberDoesNotHoldUpOthers() throws IOException {
    try (SocketTeam on = SocketTeam.create(actors)) {
      // joined first, so that the server handles it before the others
      RawSocket closing = on.raw(app, VIEWER);
      Client staying = on.join(app, COLLABORATOR, OWNER).collaborator();
      Client sender = on.owner();
      staying.awaitEvent("user_join");

      // a close frame (1000), and the TCP connection left open as a client may do for a while
      closing.sendFrame(RawSocket.Frame.CLOSE, new byte[] {0x03, (byte) 0xE8});
      for (int i = 0; i < 5; i++) {
        sender.send("edit", new JsonObject().put("n", i), i);
      }

      List<Integer> edits = new ArrayList<>();
      while (edits.size() < 5) {
        JsonObject message = staying.await("five edits, so far " + edits, Sockets.event("edit"));
        edits.add(message.getJsonObject("payload").getInteger("n"));
      }

      assertThat(edits).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
      assertThat(staying.isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("a user who left is no longer in the presence_state of the next to join")
  void presenceAfterLeave() {
    try (SocketTeam on = collaboratorCameAndWent()) {
      on.join(app, VIEWER);

      assertThat(on.viewer().presentUserIds())
          .containsExactlyInAnyOrder(on.team().owner().id(), on.team().viewer().id());
    }
  }

  @Test
  @DisplayName("a member who reconnects after leaving is announced with user_join again")
  void rejoin() {
    try (SocketTeam on = collaboratorCameAndWent()) {
      on.join(app, COLLABORATOR);

      assertThat(on.owner().awaitEvent("user_join").getString("user")).isEqualTo(on.team().collaborator().email());
    }
  }

  /** A team whose owner is online, and whose collaborator has joined and left while the owner watched. */
  private SocketTeam collaboratorCameAndWent() {
    SocketTeam on = SocketTeam.create(actors).join(app, OWNER);
    on.another(app, COLLABORATOR).leaveSeenBy(on.owner());
    return on;
  }
}
