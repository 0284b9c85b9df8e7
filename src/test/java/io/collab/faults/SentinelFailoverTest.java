package io.collab.faults;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.FaultRig;
import io.collab.support.Jobs;
import io.collab.support.Pause;
import io.collab.support.RedisSentinelTopology;
import io.collab.support.Sockets;
import io.collab.support.Teams;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * collab on a Sentinel-managed Redis ({@code redis-sentinel://…} URL): when the master is killed and a sentinel
 * promotes the replica, requests answer fast meanwhile (503 within {@code redis.commandTimeoutMs}, never a hang), and
 * REST, socket broadcasts (the subscriber reconnects to the new master and subscribes again) and the job worker work
 * again by themselves, with what was acknowledged before the kill still there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("A Redis Sentinel failover")
class SentinelFailoverTest {

  private static final long COMMAND_TIMEOUT_MS = 1_000;
  /** Scheduling on a loaded 2-core machine, the bus hop and the HTTP round trip. */
  private static final long MARGIN_MS = 1_500;
  /** Sentinels judge the master down after 1 s, then elect and promote: seconds, far less than this. */
  private static final Duration RECOVERY = Duration.ofSeconds(30);

  private FaultRig<RedisSentinelTopology> rig;

  @BeforeAll
  void deploy() {
    rig = FaultRig.start(RedisSentinelTopology::start, COMMAND_TIMEOUT_MS);
  }

  @AfterAll
  void undeploy() {
    if (rig != null) {
      rig.close();
    }
  }

  @Test
  @DisplayName("requests answer fast during it; REST, broadcasts and jobs work again after it, with nothing lost")
  void survivesFailover() {
    Actor owner = rig.actors.register("owner");
    long workspaceId = Teams.workspace(rig.actors, owner);
    try (Sockets.Client sender = Sockets.join(rig.app, workspaceId, owner.access());
         Sockets.Client receiver = Sockets.join(rig.app, workspaceId, owner.access())) {
      JsonObject before = broadcast(sender, receiver, "before");
      String runningJob = Jobs.submit(rig.actors, owner, new JsonObject().put("language", "python")
          .put("code", "import time\ntime.sleep(2)\nprint('done')").put("workspace_id", workspaceId));
      Jobs.awaitStatus(rig.actors, owner, runningJob, Set.of("running"));
      rig.redis.awaitReplicated();

      rig.redis.killMaster();
      long killedAt = System.nanoTime();
      long slowestMs = 0;
      long deadline = killedAt + RECOVERY.toNanos();
      // a job submit needs Redis (the job is queued there before it is acknowledged): 503 until the new master
      HttpResponse<Buffer> submitted;
      do {
        long start = System.nanoTime();
        submitted = rig.actors.post(owner, "/api/jobs/submit/", new JsonObject().put("language", "python")
            .put("code", "print(1)").put("workspace_id", workspaceId));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        slowestMs = Math.max(slowestMs, tookMs);
        assertThat(submitted.statusCode()).as("a submit during the failover: %s", submitted.bodyAsString())
            .isIn(202, 503);
        if (submitted.statusCode() != 202) {
          assertThat(System.nanoTime()).as("job submits work again within %s", RECOVERY).isLessThan(deadline);
          Pause.sleep(100);
        }
      } while (submitted.statusCode() != 202);
      long submitsBackMs = (System.nanoTime() - killedAt) / 1_000_000;
      assertThat(slowestMs).as("slowest request during the failover: %d ms", slowestMs)
          .isLessThan(COMMAND_TIMEOUT_MS + MARGIN_MS);
      assertThat(rig.actors.post(owner, Actors.PROJECTS, new JsonObject().put("name", "after")).statusCode())
          .isEqualTo(201);

      JsonObject after = awaitBroadcast(sender, receiver, deadline);
      assertThat(after.getLong("seq")).as("the workspace sequence survived on the promoted replica")
          .isGreaterThan(before.getLong("seq"));
      System.out.printf("Sentinel failover: submits accepted again after %d ms, broadcasts after %d ms, "
          + "slowest request %d ms%n", submitsBackMs, (System.nanoTime() - killedAt) / 1_000_000, slowestMs);
      // and so did the history: a socket recovering from before the failover gets the broadcast acknowledged then
      try (Sockets.Client recovering = Sockets.connect(rig.app,
          Sockets.path(workspaceId, owner.access(), before.getLong("seq") - 1))) {
        assertThat(recovering.await("the replay", Sockets.event("edit", "marker", "before")).getLong("seq"))
            .isEqualTo(before.getLong("seq"));
      }
      assertThat(Jobs.awaitStatus(rig.actors, owner, runningJob, Jobs.FINAL).getString("status"))
          .as("the job that ran through the failover").isEqualTo("succeeded");
      // the worker's queue reader found the new master too
      String jobId = submitted.bodyAsJsonObject().getString("job_id");
      assertThat(Jobs.awaitStatus(rig.actors, owner, jobId, Jobs.FINAL).getString("status")).isEqualTo("succeeded");
    }
  }

  /** Sends one event and waits for the other socket to receive it. */
  private static JsonObject broadcast(Sockets.Client sender, Sockets.Client receiver, String marker) {
    sender.send("edit", new JsonObject().put("marker", marker), marker);
    sender.await("ack of " + marker, Sockets.type("ack").and(m -> marker.equals(m.getString("ref"))));
    return receiver.await("broadcast " + marker, Sockets.event("edit", "marker", marker));
  }

  /**
   * Sends events until one is acknowledged and reaches the other socket: until the subscriber has subscribed again on
   * the new master, a publish may be refused ({@code unavailable}) or, if it slips in before, go unheard.
   */
  private static JsonObject awaitBroadcast(Sockets.Client sender, Sockets.Client receiver, long deadline) {
    for (int attempt = 0; ; attempt++) {
      assertThat(System.nanoTime()).as("broadcasts work again in time").isLessThan(deadline);
      String marker = "after-" + attempt;
      sender.send("edit", new JsonObject().put("marker", marker), marker);
      JsonObject answer = sender.await("an answer to " + marker, m -> marker.equals(m.getString("ref")));
      if ("ack".equals(answer.getString("type"))) {
        JsonObject received = receiver.poll(Duration.ofSeconds(2));
        while (received != null && !Sockets.event("edit", "marker", marker).test(received)) {
          received = receiver.poll(Duration.ofSeconds(2));
        }
        if (received != null) {
          return received;
        }
      }
      Pause.sleep(200);
    }
  }
}
