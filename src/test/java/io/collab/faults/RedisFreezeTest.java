package io.collab.faults;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Jobs;
import io.collab.support.RedisProcess;
import io.collab.support.Sockets;
import io.collab.support.TestApp;
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

  private RedisProcess redis;
  private TestApp app;
  private Actors actors;
  private Actor owner;
  private long workspaceId;

  @BeforeAll
  void deploy() {
    redis = RedisProcess.start();
    app = TestApp.start(config -> {
      config.getJsonObject("redis").put("url", redis.url()).put("commandTimeoutMs", COMMAND_TIMEOUT_MS);
      config.getJsonObject("jobs").put("sandbox", "none");
    });
    actors = new Actors(app);
    owner = actors.register("owner");
    long projectId = actors.createProject(owner, "Frozen").getLong("id");
    workspaceId = actors.createWorkspace(owner, projectId, "ws").getLong("id");
  }

  @AfterEach
  void thaw() {
    redis.thaw();
  }

  @AfterAll
  void undeploy() {
    app.stop();
    redis.close();
  }

  @Test
  @DisplayName("REST reads answer in time (rate limiting fails open)")
  void readsAnswer() {
    redis.freeze();
    HttpResponse<Buffer> response = timed(() -> actors.get(owner, Actors.PROJECTS));
    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("logins answer in time (rate limiting fails open)")
  void loginsAnswer() {
    redis.freeze();
    HttpResponse<Buffer> response = timed(() -> app.post("/api/auth/login/",
        new JsonObject().put("email", owner.email()).put("password", Actors.PASSWORD)));
    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a job submit answers 503 in time and leaves no job behind")
  void submitsAnswer503() {
    redis.freeze();
    long start = System.nanoTime();
    HttpResponse<Buffer> response = timed(() -> actors.post(owner, "/api/jobs/submit/",
        new JsonObject().put("language", "python").put("code", "print(1)").put("workspace_id", workspaceId)));
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    // one Redis wait, not two: the rate limiter's timeout already said the queue's Redis is silent
    assertThat(tookMs).as("answered after %d ms", tookMs).isLessThan(COMMAND_TIMEOUT_MS * 8 / 5);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(503);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("service_unavailable");
    redis.thaw();
    assertThat(actors.get(owner, "/api/jobs/?workspace_id=" + workspaceId).bodyAsJsonArray()).isEmpty();
  }

  @Test
  @DisplayName("a WebSocket handshake is refused with 503 in time")
  void handshakesAnswer503() {
    redis.freeze();
    UpgradeRejectedException refusal = timed(() -> Sockets.refusal(app, Sockets.path(workspaceId, owner.access())));
    assertThat(refusal.getStatus()).isEqualTo(503);
  }

  @Test
  @DisplayName("once Redis answers again, sockets, broadcasts, submits and the worker work without a restart")
  void recoversByItself() {
    redis.freeze();
    timed(() -> Sockets.refusal(app, Sockets.path(workspaceId, owner.access())));
    redis.thaw();
    try (Sockets.Client socket = Sockets.join(app, workspaceId, owner.access())) {
      socket.send("edit", new JsonObject().put("n", 1), "r1");
      socket.await("ack of the edit", Sockets.type("ack").and(m -> "r1".equals(m.getString("ref"))));
    }
    HttpResponse<Buffer> submit = actors.post(owner, "/api/jobs/submit/",
        new JsonObject().put("language", "python").put("code", "print(1)").put("workspace_id", workspaceId));
    assertThat(submit.statusCode()).as(submit.bodyAsString()).isEqualTo(202);
    JsonObject job = Jobs.awaitStatus(actors, owner, submit.bodyAsJsonObject().getString("job_id"), Jobs.FINAL);
    assertThat(job.getString("status")).isEqualTo("succeeded");
  }

  private static <T> T timed(Supplier<T> call) {
    long start = System.nanoTime();
    T result = call.get();
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(tookMs).as("answered after %d ms", tookMs).isLessThan(COMMAND_TIMEOUT_MS + MARGIN_MS);
    return result;
  }
}
