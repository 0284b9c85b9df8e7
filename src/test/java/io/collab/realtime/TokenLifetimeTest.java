package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.CollabTest;
import io.collab.support.Actors.Actor;
import io.collab.support.Actors.Tokens;
import io.collab.support.Jwt;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Sockets.Closed;
import io.collab.support.Teams;
import io.collab.support.Teams.Team;
import io.collab.support.TestApp;
import io.collab.support.Pause;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@CollabTest(settings = {"jwt.accessTtlSeconds=3"})
@DisplayName("A socket lives as long as its access token (jwt.accessTtlSeconds = 3), renewable with an auth message")
class TokenLifetimeTest {

  private TestApp app;
  private Actors actors;

  /** A new user with a fresh login (access and refresh), owner of a new workspace, joined on it with that access. */
  private record Owner(Actor account, Tokens tokens, Client socket) implements AutoCloseable {

    /** When the access token the socket joined with expires, in seconds since the epoch. */
    long exp() {
      return Jwt.payload(tokens.access()).getLong("exp");
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  private Owner joinedOwner() {
    Actor account = actors.signUp("user");
    Tokens tokens = actors.login(account);
    long workspaceId = Teams.workspace(actors, account.withAccess(tokens.access()));
    return new Owner(account, tokens, Sockets.join(app, workspaceId, tokens.access()));
  }

  @Test
  @DisplayName("without renewal the socket is closed with 4001 when the token expires, not before")
  void closedAtExpiry() {
    try (Owner owner = joinedOwner()) {
      Closed closed = owner.socket().awaitClose(Duration.ofSeconds(6));
      long closedAt = System.currentTimeMillis();

      assertThat(closed.status()).isEqualTo((short) 4001);
      assertThat(closedAt).isBetween(owner.exp() * 1000 - 250, owner.exp() * 1000 + 2000);
    }
  }

  @Test
  @DisplayName("auth with a new access token before expiry: auth_ok with its exp; the socket outlives the first token")
  void renewed() throws InterruptedException {
    try (Owner owner = joinedOwner()) {
      Client client = owner.socket();
      long firstExp = owner.exp();
      sleepUntil(firstExp * 1000 - 1200);
      HttpResponse<Buffer> refreshed = actors.refresh(owner.tokens().refresh());
      assertThat(refreshed.statusCode()).isEqualTo(200);
      String second = Tokens.of(refreshed).access();
      long secondExp = Jwt.payload(second).getLong("exp");
      assertThat(secondExp).isGreaterThan(firstExp);

      client.send("auth", new JsonObject().put("token", second), "renew");
      JsonObject ok = client.await("auth_ok", Sockets.type("auth_ok").or(Sockets.type("error")));
      assertThat(ok.getString("type")).as("%s", ok).isEqualTo("auth_ok");
      assertThat(ok.getLong("exp")).isEqualTo(secondExp);

      sleepUntil(firstExp * 1000 + 400);
      assertThat(client.isClosed()).as("closed at the first token's expiry").isFalse();
      client.send("edit", new JsonObject(), "alive");
      assertThat(client.await("the ack", Sockets.type("ack")).getValue("ref")).isEqualTo("alive");

      // and the close moves to the new token's expiry
      Closed closed = client.awaitClose(Duration.ofSeconds(5));
      assertThat(closed.status()).isEqualTo((short) 4001);
      assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(secondExp * 1000 - 250);
    }
  }

  @Test
  @DisplayName("a viewer may renew their token too")
  void viewerRenews() {
    Team team = Teams.create(actors);
    Actor viewer = team.viewer();
    String fresh = actors.login(viewer).access();
    try (Client client = Sockets.join(app, team.workspaceId(), fresh)) {
      String renewed = actors.login(viewer).access();

      client.send("auth", new JsonObject().put("token", renewed), "v");

      JsonObject answer = client.await("the answer", Sockets.type("auth_ok").or(Sockets.type("error")));
      assertThat(answer.getString("type")).as("%s", answer).isEqualTo("auth_ok");
      assertThat(answer.getLong("exp")).isEqualTo(Jwt.payload(renewed).getLong("exp"));
    }
  }

  @Test
  @DisplayName("auth is not relayed to other members")
  void authNotRelayed() {
    try (Owner owner = joinedOwner()) {
      String fresh = actors.login(owner.account()).access();
      owner.socket().send("auth", new JsonObject().put("token", fresh));
      owner.socket().awaitType("auth_ok");

      List<JsonObject> seen = owner.socket().upToMarkerFrom(owner.socket());

      assertThat(seen).noneMatch(Sockets.event("auth"));
    }
  }

  @Test
  @DisplayName("auth with another user's token: {type: error, error: token_invalid, ref}; the socket is not extended")
  void otherUsersToken() {
    try (Owner owner = joinedOwner()) {
      String stranger = actors.loginNewUser().access();

      owner.socket().send("auth", new JsonObject().put("token", stranger), "theirs");
      JsonObject error = owner.socket().await("the refusal", Sockets.type("error").or(Sockets.type("auth_ok")));

      assertThat(error.getString("type")).isEqualTo("error");
      assertThat(error.getString("error")).isEqualTo("token_invalid");
      assertThat(error.getValue("ref")).isEqualTo("theirs");
      Closed closed = owner.socket().awaitClose(Duration.ofSeconds(6));
      assertThat(closed.status()).isEqualTo((short) 4001);
      assertThat(System.currentTimeMillis()).isLessThan(owner.exp() * 1000 + 2000);
    }
  }

  @Test
  @DisplayName("auth with a malformed token: error token_invalid; the socket stays open until its token expires")
  void malformedToken() {
    try (Owner owner = joinedOwner()) {
      owner.socket().send("auth", new JsonObject().put("token", "abc"), 1);

      JsonObject error = owner.socket().await("the refusal", Sockets.type("error").or(Sockets.type("auth_ok")));
      owner.socket().send("edit", new JsonObject(), 2);

      assertThat(error.getString("error")).isEqualTo("token_invalid");
      assertThat(error.getValue("ref")).isEqualTo(1);
      assertThat(owner.socket().awaitType("ack").getValue("ref")).isEqualTo(2);
    }
  }

  @Test
  @DisplayName("auth with a refresh token instead of an access token: error token_invalid")
  void refreshTokenRefused() {
    try (Owner owner = joinedOwner()) {
      owner.socket().send("auth", new JsonObject().put("token", owner.tokens().refresh()), "r");

      JsonObject error = owner.socket().await("the refusal", Sockets.type("error").or(Sockets.type("auth_ok")));

      assertThat(error.getString("error")).isEqualTo("token_invalid");
    }
  }

  private static void sleepUntil(long epochMillis) throws InterruptedException {
    long wait = epochMillis - System.currentTimeMillis();
    if (wait > 0) {
      Pause.sleep(wait);
    }
  }
}
