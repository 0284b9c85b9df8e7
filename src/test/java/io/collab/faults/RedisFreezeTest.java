package io.collab.faults;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.FaultRig;
import io.collab.support.Jobs;
import io.collab.support.RedisProcess;
import io.collab.support.Sockets;
import io.collab.support.Teams;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis frozen (SIGSTOP: connections stay open, nothing answers) must not freeze collab: every request that needs
 * Redis answers within {@code redis.commandTimeoutMs} plus a margin, and everything works again once Redis does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("A frozen Redis")
class RedisFreezeTest {

  private static final long COMMAND_TIMEOUT_MS = 500;
  /** Scheduling on a loaded 2-core machine, the bus hop and the HTTP round trip. */
  private static final long MARGIN_MS = 1_000;

  private FaultRig<RedisProcess> rig;
  private Actor owner;
  private long workspaceId;

  @BeforeAll
  void deploy() {
    rig = FaultRig.start(RedisProcess::start, COMMAND_TIMEOUT_MS);
    owner = rig.actors.register("owner");
    workspaceId = Teams.workspace(rig.actors, owner);
  }

  @AfterEach
  void thaw() {
    rig.redis.thaw();
  }

  @AfterAll
  void undeploy() {
    rig.close();
  }

  @Test
  @DisplayName("REST reads answer in time (rate limiting fails open)")
  void readsAnswer() {
    rig.redis.freeze();
    HttpResponse<Buffer> response = timed(() -> rig.actors.get(owner, Actors.PROJECTS));
    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("logins answer in time (rate limiting fails open)")
  void loginsAnswer() {
    rig.redis.freeze();
    HttpResponse<Buffer> response = timed(() -> rig.app.post("/api/auth/login/",
        new JsonObject().put("email", owner.email()).put("password", Actors.PASSWORD)));
    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a job submit answers 503 in time and leaves no job behind")
  void submitsAnswer503() {
    rig.redis.freeze();
    long start = System.nanoTime();
    HttpResponse<Buffer> response = timed(() -> rig.actors.post(owner, "/api/jobs/submit/", printOne()));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    // one Redis wait, not two: the rate limiter's timeout already said the queue's Redis is silent
    assertThat(tookMs).as("answered after %d ms", tookMs).isLessThan(COMMAND_TIMEOUT_MS * 8 / 5);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(503);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("service_unavailable");
    rig.redis.thaw();
    assertThat(rig.actors.get(owner, "/api/jobs/?workspace_id=" + workspaceId).bodyAsJsonArray()).isEmpty();
  }

  @Test
  @DisplayName("a WebSocket handshake is refused with 503 in time")
  void handshakesAnswer503() {
    rig.redis.freeze();
    UpgradeRejectedException refusal = timed(() -> Sockets.refusal(rig.app, Sockets.path(workspaceId, owner.access())));
    assertThat(refusal.getStatus()).isEqualTo(503);
  }

  @Test
  @DisplayName("once Redis answers again, sockets, broadcasts, submits and the worker work without a restart")
  void recoversByItself() {
    rig.redis.freeze();
    timed(() -> Sockets.refusal(rig.app, Sockets.path(workspaceId, owner.access())));
    rig.redis.thaw();
    try (Sockets.Client socket = Sockets.join(rig.app, workspaceId, owner.access())) {
      socket.send("edit", new JsonObject().put("n", 1), "r1");
      socket.await("ack of the edit", Sockets.type("ack").and(m -> "r1".equals(m.getString("ref"))));
    }
    String id = Jobs.submit(rig.actors, owner, printOne());
    assertThat(Jobs.awaitStatus(rig.actors, owner, id, Jobs.FINAL).getString("status")).isEqualTo("succeeded");
  }

  private JsonObject printOne() {
    return new JsonObject().put("language", "python").put("code", "print(1)").put("workspace_id", workspaceId);
  }

  private static <T> T timed(Supplier<T> call) {
    long start = System.nanoTime();
    T result = call.get();
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(tookMs).as("answered after %d ms", tookMs).isLessThan(COMMAND_TIMEOUT_MS + MARGIN_MS);
    return result;
  }
}
