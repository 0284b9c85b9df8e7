package io.collab.jobs;

import io.collab.config.CollabConfig;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.collab.support.Jobs.awaitStatus;
import static io.collab.support.Jobs.submit;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node that stops (a rolling deploy, a scale-down) gives the jobs its worker was running back: they run again on
 * another worker at once, not after {@code jobs.leaseMs} as after a crash.
 */
@DisplayName("A stopping worker gives its running jobs back")
class WorkerStopTest {

  /** Long enough that a job waiting for its lease to expire would fail the test's bound. */
  private static final long LEASE_MS = 60_000;

  private final List<TestApp> apps = new ArrayList<>();

  @AfterEach
  void stopAll() {
    apps.forEach(TestApp::stop);
  }

  @Test
  @DisplayName("a job running on a node that stops runs again on another node within seconds, recorded once")
  void runningJobRestartsElsewhereAtOnce() {
    TestApp stopping = started(TestApp.start(config -> config.getJsonObject("jobs").put("leaseMs", LEASE_MS)));
    Actors actors = new Actors(stopping);
    Actor user = actors.register("handover");
    String id = submit(actors, user, new JsonObject()
        .put("code", "import time; time.sleep(1.5); print('done')").put("language", "python"));
    awaitStatus(actors, user, id, Set.of("running"));
    TestApp staying = started(TestApp.startAlongside(stopping,
        config -> config.getJsonObject("jobs").put("leaseMs", LEASE_MS)));

    long stoppedAt = System.nanoTime();
    apps.remove(stopping);
    stopping.stop();
    JsonObject job = awaitStatus(new Actors(staying), user, id, Set.of("succeeded", "failed", "cancelled"));

    assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).as("well within the lease")
        .isLessThan(Duration.ofSeconds(15));
    assertThat(job.getString("status")).isEqualTo("succeeded");
    assertThat(job.getString("stdout")).isEqualTo("done\n");
    assertThat(job.getInteger("attempts")).as("the killed run, then the one that finished").isEqualTo(2);
    JobQueue queue = new JobQueue(null, CollabConfig.from(staying.config).redis(), 1);
    Redis redis = Redis.createClient(staying.vertx, staying.config.getJsonObject("redis").getString("url"));
    try {
      assertThat(redis.send(Request.cmd(Command.XPENDING).arg(queue.stream()).arg(JobQueue.GROUP)).await()
          .get(0).toLong()).as("the given-back entry and its replacement are both acknowledged").isZero();
    } finally {
      redis.close();
    }
  }

  private TestApp started(TestApp app) {
    apps.add(app);
    return app;
  }
}
