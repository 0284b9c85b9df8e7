package io.collab.jobs;

import io.collab.common.Bus;
import io.collab.config.CollabConfig;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.Pause;
import io.collab.support.TestApp;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.collab.support.Jobs.submit;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job's run is a lease handed out by PostgreSQL: a second start while the first run's lease lives is refused,
 * however it comes (a redelivered, reclaimed or re-enqueued entry), and a holder whose lease passed to another can
 * neither renew nor record. No worker runs here: the test plays the workers over the bus.
 */
@CollabTest(settings = "roles=api,realtime,persistence")
@DisplayName("Job leases")
class JobLeaseTest {

  private static final long LONG_LEASE_MS = 60_000;

  private TestApp app;
  private Actors actors;
  private Actor user;

  @Test
  @DisplayName("two starts of one job at the same moment: exactly one proceeds, the other is told the job is held")
  void concurrentStartsOneWins() {
    String id = queuedJob();
    List<JsonObject> replies = Future.all(start(id, null, LONG_LEASE_MS), start(id, null, LONG_LEASE_MS)).await()
        .<JsonObject>list();
    assertThat(replies).filteredOn(reply -> reply.getBoolean("proceed")).hasSize(1);
    assertThat(replies).filteredOn(reply -> !reply.getBoolean("proceed"))
        .singleElement().satisfies(refused -> assertThat(refused.getBoolean("held")).isTrue());
    assertThat(job(id).getInteger("attempts")).as("a refused start counts no attempt").isEqualTo(1);
  }

  @Test
  @DisplayName("the holder retries with its token; a stale token can neither retry, renew nor finish")
  void staleHolderIsRefused() {
    String id = queuedJob();
    String first = start(id, null, LONG_LEASE_MS).await().getString("token");
    JsonObject again = start(id, first, LONG_LEASE_MS).await();
    assertThat(again.getBoolean("proceed")).as("its own retry").isTrue();
    String second = again.getString("token");
    assertThat(second).isNotEqualTo(first);

    assertThat(renew(id, first).getJsonArray("held")).isEmpty();
    assertThat(renew(id, second).getJsonArray("held")).containsExactly(second);
    assertThat(finish(id, first).getBoolean("recorded")).isFalse();
    assertThat(job(id).getString("status")).isEqualTo("running");
    assertThat(finish(id, second).getBoolean("recorded")).isTrue();
    assertThat(job(id).getString("status")).isEqualTo("succeeded");

    JsonObject afterwards = start(id, null, LONG_LEASE_MS).await();
    assertThat(afterwards.getBoolean("proceed")).isFalse();
    assertThat(afterwards.getBoolean("held")).as("settled, not held: its entry may be acknowledged").isFalse();
  }

  @Test
  @DisplayName("once a lease expires, another worker takes the job over and the old holder's result is refused")
  void expiredLeaseIsTakenOver() {
    String id = queuedJob();
    String dead = start(id, null, 200).await().getString("token");
    assertThat(start(id, null, LONG_LEASE_MS).await().getBoolean("proceed")).as("while the lease lives").isFalse();
    Pause.sleep(400);
    JsonObject takeover = start(id, null, LONG_LEASE_MS).await();
    assertThat(takeover.getBoolean("proceed")).isTrue();
    assertThat(finish(id, dead).getBoolean("recorded")).isFalse();
    assertThat(finish(id, takeover.getString("token")).getBoolean("recorded")).isTrue();
    assertThat(job(id).getInteger("attempts")).isEqualTo(2);
  }

  @Test
  @DisplayName("a job is reported unclaimed while queued or after its lease expired, never while its run is held")
  void unclaimedJobs() {
    String queued = queuedJob();
    assertThat(unclaimed()).contains(queued);
    start(queued, null, LONG_LEASE_MS).await();
    assertThat(unclaimed()).doesNotContain(queued);

    String expiring = queuedJob();
    start(expiring, null, 200).await();
    Pause.sleep(400);
    assertThat(unclaimed()).contains(expiring);
  }

  @Test
  @DisplayName("queueing is idempotent: a job the stream carries is not added again, one it lost is")
  void enqueueIsIdempotent() {
    String id = queuedJob();  // the API queued it
    Redis redis = CollabConfig.from(app.config).redis().client(app.vertx);
    try {
      JobQueue queue = new JobQueue(redis, CollabConfig.from(app.config).redis(), 1000);
      assertThat(queue.enqueue(List.of(id, id)).await()).isZero();
      redis.send(Request.cmd(Command.DEL).arg(queue.stream())).await();  // Redis lost the stream
      assertThat(queue.enqueue(List.of(id)).await()).isEqualTo(1);
      assertThat(queue.enqueue(List.of(id)).await()).isZero();
      assertThat(redis.send(Request.cmd(Command.XLEN).arg(queue.stream())).await().toLong()).isEqualTo(1);
    } finally {
      redis.close();
    }
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private String queuedJob() {
    return submit(actors, user, new JsonObject().put("code", "print(1)").put("language", "python"));
  }

  private Future<JsonObject> start(String id, String token, long leaseMs) {
    return request(Bus.JOBS_START, new JsonObject().put("id", id).put("token", token).put("lease_ms", leaseMs));
  }

  private JsonObject renew(String id, String token) {
    return request(Bus.JOBS_RENEW, new JsonObject().put("lease_ms", LONG_LEASE_MS)
        .put("leases", new JsonArray().add(new JsonObject().put("id", id).put("token", token)))).await();
  }

  private JsonObject finish(String id, String token) {
    return request(Bus.JOBS_FINISH, new JsonObject().put("id", id).put("token", token).put("status", "succeeded")
        .put("exit_code", 0).put("stdout", "1\n").put("stderr", "").put("truncated", false)).await();
  }

  private List<String> unclaimed() {
    return request(Bus.JOBS_UNCLAIMED, new JsonObject().put("older_than_ms", 0).put("limit", 1000)).await()
        .getJsonArray("ids").stream().map(String.class::cast).toList();
  }

  private JsonObject job(String id) {
    return actors.get(user, "/api/jobs/" + id + "/").bodyAsJsonObject();
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    return app.vertx.eventBus().<JsonObject>request(address, body).map(Message::body);
  }
}
