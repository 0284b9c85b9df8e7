package io.collab.jobs;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.TestApp;
import io.collab.support.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import io.vertx.pgclient.PgBuilder;
import io.collab.config.CollabConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

import static io.collab.support.Jobs.awaitEnd;
import static io.collab.support.Jobs.awaitStatus;
import static io.collab.support.Jobs.submit;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Jobs survive platform failures, dead and stopped workers, and outages")
class JobsReliabilityTest {

  private final List<TestApp> apps = new ArrayList<>();
  private RedisServer ownRedis;
  /** The instance the test deployed first, and a user of it. */
  private TestApp app;
  private Actors actors;
  private Actor user;

  @AfterEach
  void cleanUp() {
    apps.forEach(app -> {
      try {
        app.stop();
      } catch (RuntimeException alreadyStopped) {
        // closed by the test on purpose
      }
    });
    apps.clear();
    if (ownRedis != null) {
      TestServices.stopQuietly(ownRedis);
    }
  }

  @Test
  @DisplayName("a platform failure is retried with backoff, attempts are counted, and the exhausted job lands in the dead-letter stream")
  void platformFailuresRetriedThenDeadLettered() {
    deploy(acceptingCobol(jobs -> jobs.put("maxAttempts", 3).put("retryInitialDelayMs", 100)
        .put("retryMaxDelayMs", 400)));
    long submitted = System.nanoTime();
    String id = submit(actors, user, cobol());
    JsonObject job = awaitEnd(actors, user, id, "failed");
    assertThat(job.getInteger("attempts")).isEqualTo(3);
    assertThat(job.getString("error")).startsWith("platform failure");
    assertThat(Duration.ofNanos(System.nanoTime() - submitted)).as("backoff between attempts")
        .isGreaterThan(Duration.ofMillis(100));

    Response dead = redis(app, Request.cmd(Command.XRANGE).arg(queue(app).deadLetters()).arg("-").arg("+"));
    assertThat(dead.size()).isEqualTo(1);
    assertThat(dead.get(0).get(1).toString()).contains(id).contains("reason");
    assertThat(pendingEntries(app)).as("acknowledged after the final state").isZero();

    String metrics = app.get("/metrics").bodyAsString();
    assertThat(metrics).as("the node's /metrics")
        .containsPattern("collab_jobs_retries_total(\\{[^}]*})? 2\\.0")
        .containsPattern("collab_jobs_dead_lettered_total(\\{[^}]*})? 1\\.0")
        .containsPattern("collab_jobs_finished_total\\{[^}]*reason=\"platform\"[^}]*status=\"failed\"[^}]*} 1\\.0");
  }

  @Test
  @DisplayName("when the breaker opens, readiness says so and queued jobs wait; once it closes they run")
  void breakerOpensAndRecovers() {
    deploy(acceptingCobol(jobs -> jobs.put("maxAttempts", 1).put("breakerMaxFailures", 1)
        .put("breakerResetMs", 3000)));
    awaitStatus(actors, user, submit(actors, user, cobol()), Set.of("failed"));

    HttpResponse<Buffer> ready = app.get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.bodyAsJsonObject().getJsonObject("checks").getJsonObject("jobs").getString("detail"))
        .contains("OPEN");

    String waiting = submit(actors, user, new JsonObject().put("code", "print('after')").put("language", "python"));
    assertThat(actors.get(user, "/api/jobs/" + waiting + "/").bodyAsJsonObject().getString("status")).isEqualTo("queued");
    JsonObject job = awaitEnd(actors, user, waiting, "succeeded");
    assertThat(job.getString("stdout")).isEqualTo("after\n");
    assertThat(app.get("/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a job whose worker dies mid-run is reclaimed after its lease and finishes on another worker, recorded once")
  void deadWorkerJobIsReclaimed() {
    deploy(config -> config.getJsonObject("jobs").put("leaseMs", 2000));
    String id = submit(actors, user, new JsonObject()
        .put("code", "import time; time.sleep(1.5); print('done')").put("language", "python"));
    awaitStatus(actors, user, id, Set.of("running"));
    app.vertx.close().await();  // the worker dies with its instance, its job unacknowledged

    TestApp second = alongside(config -> config.getJsonObject("jobs").put("leaseMs", 2000));
    JsonObject job = awaitEnd(new Actors(second), user, id, "succeeded");
    assertThat(job.getString("stdout")).isEqualTo("done\n");
    assertThat(job.getInteger("attempts")).isEqualTo(2);
    assertThat(pendingEntries(second)).isZero();
  }

  @Test
  @DisplayName("a job whose node stops gracefully runs again on another node at once, not after its lease, recorded once")
  void stoppedWorkerGivesItsJobBack() {
    // a lease far longer than the test may wait: only a job given back can finish in time
    Consumer<JsonObject> longLease = config -> config.getJsonObject("jobs").put("leaseMs", 60_000);
    deploy(longLease);
    String id = submit(actors, user, new JsonObject()
        .put("code", "import time; time.sleep(1.5); print('done')").put("language", "python"));
    awaitStatus(actors, user, id, Set.of("running"));
    TestApp staying = alongside(longLease);

    long stoppedAt = System.nanoTime();
    apps.remove(app);
    app.stop();  // as on SIGTERM: the worker stops first and gives its running job back (MainVerticle.stopWorker)
    JsonObject job = awaitEnd(new Actors(staying), user, id, "succeeded");

    assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).as("well within the lease")
        .isLessThan(Duration.ofSeconds(15));
    assertThat(job.getString("stdout")).isEqualTo("done\n");
    assertThat(job.getInteger("attempts")).as("the killed run, then the one that finished").isEqualTo(2);
    assertThat(pendingEntries(staying)).as("the given-back entry and its replacement are both acknowledged")
        .isZero();
  }

  @Test
  @DisplayName("with Redis down a submit is a 503 and no job is stored")
  void redisDownAtSubmit() {
    int port = TestServices.freePort();
    ownRedis = TestServices.startRedis(port);
    deploy(config -> config.getJsonObject("redis").put("url", "redis://127.0.0.1:" + port));
    TestServices.stopQuietly(ownRedis);

    HttpResponse<Buffer> refused = actors.post(user, "/api/jobs/submit/",
        new JsonObject().put("code", "print(1)").put("language", "python"));
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.bodyAsJsonObject().containsKey("job_id")).isFalse();
    long stored = pg(app).preparedQuery("SELECT count(*) AS n FROM jobs WHERE user_id = $1")
        .execute(Tuple.of(user.id())).await().iterator().next().getLong("n");
    assertThat(stored).isZero();
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private TestApp start(Consumer<JsonObject> tweak) {
    TestApp started = TestApp.start(tweak);
    apps.add(started);
    return started;
  }

  /** Another instance of the first one's deployment (its database, Redis and JWT secret). */
  private TestApp alongside(Consumer<JsonObject> tweak) {
    TestApp started = TestApp.startAlongside(app, tweak);
    apps.add(started);
    return started;
  }

  private void deploy(Consumer<JsonObject> tweak) {
    app = start(tweak);
    actors = new Actors(app);
    user = actors.register("user");
  }

  /** Settings that also accept {@link #cobol()} jobs; {@code jobs} changes other jobs settings. */
  private static Consumer<JsonObject> acceptingCobol(Consumer<JsonObject> jobs) {
    return config -> jobs.accept(config.getJsonObject("jobs").put("languages", "python,cobol"));
  }

  /** A job in a language the API can be told to accept but the sandbox has no interpreter for: a platform failure. */
  private static JsonObject cobol() {
    return new JsonObject().put("code", "DISPLAY 'HI'.").put("language", "cobol");
  }

  /** The queue's key names as the app's settings make them (the client is not used). */
  private static JobQueue queue(TestApp app) {
    return new JobQueue(null, CollabConfig.from(app.config).redis(), 1);
  }

  /** Entries of the job stream delivered to a worker and not acknowledged. */
  private static long pendingEntries(TestApp app) {
    return redis(app, Request.cmd(Command.XPENDING).arg(queue(app).stream()).arg(JobQueue.GROUP)).get(0).toLong();
  }

  private static Response redis(TestApp app, Request request) {
    Redis client = Redis.createClient(app.vertx, app.config.getJsonObject("redis").getString("url"));
    try {
      return client.send(request).await();
    } finally {
      client.close();
    }
  }

  private static Pool pg(TestApp app) {
    return PgBuilder.pool().connectingTo(new CollabConfig.Pg(app.config.getJsonObject("pg").getString("url"), 1, 5000)
        .connectOptions()).using(app.vertx).build();
  }
}
