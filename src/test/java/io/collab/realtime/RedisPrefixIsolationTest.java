package io.collab.realtime;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Jobs;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Teams;
import io.collab.support.TestApp;
import io.collab.support.TestServices;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two deployments on one Redis database, each with a PostgreSQL database of its own and its own
 * {@code redis.keyPrefix}. Both number their first workspace alike; nothing kept or sent in Redis by one reaches
 * the other: broadcasts, sequence numbers, presence, rate limits, jobs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Two deployments on one Redis database with different key prefixes do not cross-talk")
class RedisPrefixIsolationTest {

  private static final int LOGINS_PER_WINDOW = 30;

  private String sharedRedis;
  private TestApp one;
  private TestApp other;
  private Actors actorsOne;
  private Actors actorsOther;

  @BeforeAll
  void deploy() {
    sharedRedis = TestServices.freshRedisDatabase();
    one = TestApp.start(config -> shareRedis(config, "iso-one"));
    other = TestApp.start(config -> shareRedis(config, "iso-two"));
    actorsOne = new Actors(one);
    actorsOther = new Actors(other);
  }

  private void shareRedis(JsonObject config, String prefix) {
    config.getJsonObject("redis").put("url", sharedRedis).put("keyPrefix", prefix);
    config.getJsonObject("rateLimit").put("loginPerWindow", LOGINS_PER_WINDOW);
    config.getJsonObject("http").put("trustForwardedFor", true);
    config.getJsonObject("jobs").put("sandbox", "none");
  }

  @AfterAll
  void undeploy() {
    other.stop();
    one.stop();
  }

  @Test
  @DisplayName("a broadcast in workspace N of one is not heard in workspace N of the other, whose seq counts on its own")
  void broadcastsAndSequences() {
    Actor here = actorsOne.register("here");
    Actor there = actorsOther.register("there");
    long workspaceHere = Teams.workspace(actorsOne, here);
    long workspaceThere = Teams.workspace(actorsOther, there);
    assertThat(workspaceThere).as("both fresh databases number their first workspace alike").isEqualTo(workspaceHere);

    try (Client sender = Sockets.join(one, workspaceHere, here.access());
         Client stranger = Sockets.join(other, workspaceThere, there.access())) {
      sender.await("its own user_join", Sockets.event("user_join"));
      stranger.await("its own user_join", Sockets.event("user_join"));
      assertThat(stranger.presence.encode()).as("presence of the other deployment's workspace")
          .doesNotContain(here.email());
      sender.send("edit", new JsonObject().put("secret", "for this deployment only"), "r1");
      assertThat(sender.await("its own edit", Sockets.event("edit")).getLong("seq")).isEqualTo(2L);
      assertThat(stranger.poll(Duration.ofMillis(1000))).as("what the other deployment's socket received").isNull();

      stranger.send("edit", new JsonObject().put("n", 1), "r2");
      assertThat(stranger.await("its own edit", Sockets.event("edit")).getLong("seq"))
          .as("the other deployment's sequence, untouched by the first's edit").isEqualTo(2L);
    }
  }

  @Test
  @DisplayName("logins refused for one client address in one deployment are not counted in the other")
  void rateLimits() {
    String address = "203.0.113.77";
    JsonObject wrong = new JsonObject().put("email", "nobody@example.test").put("password", "wrong password");
    int status = 0;
    for (int i = 0; i <= LOGINS_PER_WINDOW && status != 429; i++) {
      status = one.web.post("/api/auth/login/").putHeader("X-Forwarded-For", address)
          .sendJsonObject(wrong).await().statusCode();
    }
    assertThat(status).as("the first deployment limits the address").isEqualTo(429);

    HttpResponse<Buffer> elsewhere = other.web.post("/api/auth/login/").putHeader("X-Forwarded-For", address)
        .sendJsonObject(wrong).await();
    assertThat(elsewhere.statusCode()).as("the same address in the other deployment").isEqualTo(401);
  }

  @Test
  @DisplayName("a job queued in one runs there and never enters the other's stream; every key carries its prefix")
  void jobsAndKeys() {
    Actor user = actorsOne.register("jobs");
    HttpResponse<Buffer> queued = actorsOne.post(user, "/api/jobs/test-celery/", new JsonObject());
    assertThat(queued.statusCode()).as(queued.bodyAsString()).isEqualTo(200);
    String id = queued.bodyAsJsonObject().getString("job_id");
    assertThat(Jobs.awaitStatus(actorsOne, user, id, Jobs.FINAL).getString("status")).isEqualTo("succeeded");

    assertThat(redis(Request.cmd(Command.XLEN).arg("iso-one:jobs")).toLong()).isEqualTo(1);
    assertThat(redis(Request.cmd(Command.XLEN).arg("iso-two:jobs")).toLong()).isZero();

    List<String> keys = new ArrayList<>();
    redis(Request.cmd(Command.KEYS).arg("*")).forEach(key -> keys.add(key.toString()));
    assertThat(keys).isNotEmpty().allMatch(key -> key.startsWith("iso-one:") || key.startsWith("iso-two:"),
        "starts with a deployment's prefix");
    assertThat(keys).anyMatch(key -> key.startsWith("iso-one:rl:")).anyMatch(key -> key.startsWith("iso-two:"));
  }

  private Response redis(Request request) {
    Redis client = Redis.createClient(one.vertx, sharedRedis);
    try {
      return client.send(request).await();
    } finally {
      client.close();
    }
  }
}
