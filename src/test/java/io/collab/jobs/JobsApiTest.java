package io.collab.jobs;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Jobs;
import io.collab.support.TestApp;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.collab.support.Pause.sleep;
import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Background jobs over HTTP, run by a real worker in the real sandbox")
class JobsApiTest {

  private TestApp app;
  private Actors actors;

  @BeforeAll
  void deploy() {
    app = TestApp.start(config -> config.getJsonObject("jobs").put("concurrency", 2).put("maxActivePerUser", 4)
        .put("leaseMs", 5000));
    actors = new Actors(app);
  }

  @AfterAll
  void undeploy() {
    app.stop();
  }

  @Test
  @DisplayName("the seed's submit call answers 202 with the seed's body, and the job prints Hello World")
  void helloWorld() {
    Actor user = actors.register("hello");
    HttpResponse<Buffer> submitted = actors.post(user, "/api/jobs/submit/", python("print('Hello World')"));
    assertThat(submitted.statusCode()).isEqualTo(202);
    JsonObject body = submitted.bodyAsJsonObject();
    assertThat(body.getString("message")).isEqualTo("Job queued");
    assertThat(body.getString("status_url")).isEqualTo("/api/jobs/" + body.getString("job_id") + "/");

    JsonObject job = awaitEnd(user, body.getString("job_id"), "succeeded");
    assertThat(job.getString("stdout")).isEqualTo("Hello World\n");
    assertThat(job.getInteger("exit_code")).isZero();
    assertThat(job.getInteger("attempts")).isEqualTo(1);
    assertThat(job.fieldNames()).contains("id", "status", "language", "attempts", "max_attempts", "exit_code",
        "stdout", "stderr", "truncated", "error", "created_at", "started_at", "finished_at", "workspace_id");
  }

  @Test
  @DisplayName("test-celery answers the seed's body and its diagnostic job succeeds within seconds")
  void diagnostic() {
    Actor user = actors.register("diag");
    HttpResponse<Buffer> queued = actors.post(user, "/api/jobs/test-celery/", new JsonObject());
    assertThat(queued.statusCode()).isEqualTo(200);
    assertThat(queued.bodyAsJsonObject().getString("status")).isEqualTo("task queued");
    JsonObject job = awaitEnd(user, queued.bodyAsJsonObject().getString("job_id"), "succeeded");
    assertThat(job.getString("stdout")).startsWith("pong");
  }

  @Test
  @DisplayName("an infinite loop ends failed with a timeout error within its limit")
  void infiniteLoop() {
    Actor user = actors.register("loop");
    String id = submit(user, python("while True: pass").put("timeout_ms", 1000));
    long started = System.nanoTime();
    JsonObject job = awaitEnd(user, id, "failed");
    assertThat(job.getString("error")).isEqualTo("timeout");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
  }

  @Test
  @DisplayName("a program that exits non-zero has a result: failed, its exit code, never retried")
  void nonZeroExit() {
    Actor user = actors.register("exit");
    String id = submit(user, bash("echo oops >&2; exit 3"));
    JsonObject job = awaitEnd(user, id, "failed");
    assertThat(job.getInteger("exit_code")).isEqualTo(3);
    assertThat(job.getString("stderr")).isEqualTo("oops\n");
    assertThat(job.getInteger("attempts")).isEqualTo(1);
  }

  @Test
  @DisplayName("a running job can be cancelled: its process is killed and it ends cancelled")
  void cancelRunning() {
    Actor user = actors.register("cancel");
    String id = submit(user, python("import time\nwhile True: time.sleep(0.1)").put("timeout_ms", 20000));
    awaitStatus(user, id, Set.of("running"));
    HttpResponse<Buffer> cancelled = actors.post(user, "/api/jobs/" + id + "/cancel/", new JsonObject());
    assertThat(cancelled.statusCode()).isEqualTo(202);
    long asked = System.nanoTime();
    JsonObject job = awaitEnd(user, id, "cancelled");
    assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  @DisplayName("the same Idempotency-Key returns the same job")
  void idempotencyKey() {
    Actor user = actors.register("idem");
    JsonObject body = python("print(1)");
    String first = actors.request(user, HttpMethod.POST, "/api/jobs/submit/").putHeader("Idempotency-Key", "k-1")
        .sendJsonObject(body).await().bodyAsJsonObject().getString("job_id");
    String again = actors.request(user, HttpMethod.POST, "/api/jobs/submit/").putHeader("Idempotency-Key", "k-1")
        .sendJsonObject(body).await().bodyAsJsonObject().getString("job_id");
    assertThat(again).isEqualTo(first);
  }

  @Test
  @DisplayName("more queued plus running jobs than jobs.maxActivePerUser is a 429")
  void quota() {
    Actor user = actors.register("quota");
    JsonObject sleeper = python("import time; time.sleep(3)");
    for (int i = 0; i < 4; i++) {
      assertThat(actors.post(user, "/api/jobs/submit/", sleeper).statusCode()).isEqualTo(202);
    }
    HttpResponse<Buffer> refused = actors.post(user, "/api/jobs/submit/", sleeper);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.bodyAsJsonObject().getString("error")).isEqualTo("quota_exceeded");
  }

  @Test
  @DisplayName("twelve submits at once against a quota of four: exactly four are queued, eight get 429")
  void quotaUnderConcurrency() {
    Actor user = actors.register("quota-race");
    JsonObject sleeper = python("import time; time.sleep(3)");
    Map<Integer, Long> byStatus = submitAtOnce(user, 12, sleeper, null).stream()
        .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
    assertThat(byStatus).containsExactlyInAnyOrderEntriesOf(Map.of(202, 4L, 429, 8L));
  }

  @Test
  @DisplayName("eight submits at once with one Idempotency-Key: one job, the same id in every answer")
  void idempotencyKeyUnderConcurrency() {
    Actor user = actors.register("idem-race");
    JsonObject body = python("print(1)");
    Set<String> ids = submitAtOnce(user, 8, body, "race").stream().map(response -> {
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
      return response.bodyAsJsonObject().getString("job_id");
    }).collect(Collectors.toSet());
    assertThat(ids).hasSize(1);
    assertThat(actors.get(user, "/api/jobs/").bodyAsJsonArray()).hasSize(1);
  }

  @Test
  @DisplayName("an unknown language, oversized code or a too long timeout is a 400 naming the field")
  void validation() {
    Actor user = actors.register("invalid");
    assertField(actors.post(user, "/api/jobs/submit/", new JsonObject().put("code", "x").put("language", "cobol")),
        "language");
    assertField(actors.post(user, "/api/jobs/submit/", python("#".repeat(65537))), "code");
    assertField(actors.post(user, "/api/jobs/submit/", python("print(1)").put("timeout_ms", 10_000_000)),
        "timeout_ms");
  }

  @Test
  @DisplayName("another user's job is a 404, exactly like a job that does not exist")
  void othersJobsAreHidden() {
    Actor owner = actors.register("mine");
    Actor stranger = actors.register("stranger");
    String id = submit(owner, python("print(1)"));
    HttpResponse<Buffer> hidden = actors.get(stranger, "/api/jobs/" + id + "/");
    HttpResponse<Buffer> missing = actors.get(stranger, "/api/jobs/00000000-0000-0000-0000-000000000000/");
    assertThat(hidden.statusCode()).isEqualTo(404);
    assertThat(hidden.bodyAsString()).isEqualTo(missing.bodyAsString());
  }

  @Test
  @DisplayName("a queued job can be cancelled before it runs, and never runs")
  void cancelQueued() {
    Actor user = actors.register("queued");
    JsonObject sleeper = python("import time; time.sleep(2)");
    submit(user, sleeper);
    submit(user, sleeper);  // the worker runs two at a time: the third waits in the queue
    String waiting = submit(user, python("print('never')"));
    HttpResponse<Buffer> cancelled = actors.post(user, "/api/jobs/" + waiting + "/cancel/", new JsonObject());
    assertThat(cancelled.statusCode()).isEqualTo(202);
    assertThat(cancelled.bodyAsJsonObject().getString("status")).isEqualTo("cancelled");
    sleep(3000);
    JsonObject job = actors.get(user, "/api/jobs/" + waiting + "/").bodyAsJsonObject();
    assertThat(job.getString("status")).isEqualTo("cancelled");
    assertThat(job.getInteger("attempts")).isZero();
    assertThat(job.getString("stdout")).isNull();
    assertThat(actors.post(user, "/api/jobs/" + waiting + "/cancel/", new JsonObject()).statusCode()).isEqualTo(409);
  }

  @Test
  @DisplayName("a fork bomb and a memory hog are contained, network access fails, and the worker keeps serving")
  void hostileCode() {
    Actor user = actors.register("hostile");
    long started = System.nanoTime();
    awaitEnd(user, submit(user, python("import os\nwhile True: os.fork()").put("timeout_ms", 3000)), "failed");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    awaitEnd(user, submit(user, python("x = []\nwhile True: x.append('a' * 10**6)")), "failed");
    String network = submit(user,
        python("import socket\nsocket.create_connection(('127.0.0.1', 5432), timeout=2)\nprint('connected')"));
    assertThat(awaitEnd(user, network, "failed").getString("stdout")).doesNotContain("connected");
    JsonObject after = awaitEnd(user, submit(user, python("print('still here')")), "succeeded");
    assertThat(after.getString("stdout")).isEqualTo("still here\n");
  }

  @Test
  @DisplayName("GET /api/jobs/health/ reports live workers and the consumer group's backlog")
  void queueHealth() {
    Actor user = actors.register("health");
    HttpResponse<Buffer> health = actors.get(user, "/api/jobs/health/");
    assertThat(health.statusCode()).isEqualTo(200);
    JsonObject body = health.bodyAsJsonObject();
    assertThat(body.getLong("workers_alive")).isGreaterThanOrEqualTo(1L);
    assertThat(body.fieldNames()).contains("pending", "oldest_pending_age_ms");
  }

  @Test
  @DisplayName("GET /api/jobs/health/ before any worker ever started: 200, no workers, submitted jobs counted as queued")
  void queueHealthWithoutWorkers() {
    TestApp apiOnly = TestApp.start(config -> config.put("roles", "api,realtime,persistence"));
    try {
      Actors strangers = new Actors(apiOnly);
      Actor user = strangers.register("no-workers");
      JsonObject before = strangers.get(user, "/api/jobs/health/").bodyAsJsonObject();
      assertThat(before).isEqualTo(new JsonObject().put("workers_alive", 0).put("pending", 0).put("queued", 0)
          .put("oldest_pending_age_ms", 0));
      assertThat(strangers.post(user, "/api/jobs/submit/", python("print(1)")).statusCode()).isEqualTo(202);
      HttpResponse<Buffer> after = strangers.get(user, "/api/jobs/health/");
      assertThat(after.statusCode()).isEqualTo(200);
      assertThat(after.bodyAsJsonObject().getLong("queued")).isEqualTo(1L);
    } finally {
      apiOnly.stop();
    }
  }

  @Test
  @DisplayName("GET /metrics counts finished jobs by status and reason, and times sandbox runs")
  void metrics() {
    Actor user = actors.register("metrics");
    awaitFinal(user, submit(user, python("print(1)")));
    awaitFinal(user, submit(user, bash("exit 3")));

    String text = app.get("/metrics").bodyAsString();
    assertThat(metric(text, "collab_jobs_finished_total", "reason=\"none\"", "status=\"succeeded\"")).isPositive();
    assertThat(metric(text, "collab_jobs_finished_total", "reason=\"none\"", "status=\"failed\"")).isPositive();
    assertThat(metric(text, "collab_jobs_sandbox_seconds_count", "language=\"python\"", "outcome=\"exit_zero\""))
        .isPositive();
    assertThat(metric(text, "collab_jobs_sandbox_seconds_count", "language=\"bash\"", "outcome=\"exit_nonzero\""))
        .isPositive();
  }

  /** The value of the Prometheus series {@code name} whose labels include all of {@code labels}; 0 if none. */
  private static double metric(String text, String name, String... labels) {
    return text.lines().filter(line -> line.startsWith(name + "{"))
        .filter(line -> java.util.Arrays.stream(labels).allMatch(line::contains))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  @DisplayName("GET /api/jobs/ lists the caller's jobs, filtered by status")
  void listing() {
    Actor user = actors.register("lister");
    String id = submit(user, python("print(1)"));
    awaitFinal(user, id);
    HttpResponse<Buffer> all = actors.get(user, "/api/jobs/");
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(all.bodyAsJsonArray().size()).isEqualTo(1);
    assertThat(actors.get(user, "/api/jobs/?status=succeeded").bodyAsJsonArray().size()).isEqualTo(1);
    assertThat(actors.get(user, "/api/jobs/?status=queued").bodyAsJsonArray().size()).isZero();
    assertThat(actors.get(user, "/api/jobs/?status=bogus").statusCode()).isEqualTo(400);
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  /** {@code count} submits sent without waiting for each other's answers. */
  private List<HttpResponse<Buffer>> submitAtOnce(Actor user, int count, JsonObject body, String idempotencyKey) {
    List<Future<HttpResponse<Buffer>>> submits = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      var request = actors.request(user, HttpMethod.POST, "/api/jobs/submit/");
      if (idempotencyKey != null) {
        request.putHeader("Idempotency-Key", idempotencyKey);
      }
      submits.add(request.sendJsonObject(body));
    }
    Future.all(submits).await();
    return submits.stream().map(Future::result).toList();
  }

  private static JsonObject python(String code) {
    return new JsonObject().put("language", "python").put("code", code);
  }

  private static JsonObject bash(String code) {
    return new JsonObject().put("language", "bash").put("code", code);
  }

  private String submit(Actor user, JsonObject body) {
    return Jobs.submit(actors, user, body);
  }

  private JsonObject awaitFinal(Actor user, String id) {
    return awaitStatus(user, id, Jobs.FINAL);
  }

  private JsonObject awaitEnd(Actor user, String id, String status) {
    return Jobs.awaitEnd(actors, user, id, status);
  }

  private JsonObject awaitStatus(Actor user, String id, Set<String> wanted) {
    return Jobs.awaitStatus(actors, user, id, wanted);
  }

  private static void assertField(HttpResponse<Buffer> response, String field) {
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("validation_failed");
    assertThat(response.bodyAsJsonObject().getJsonObject("fields").containsKey(field)).isTrue();
  }

}
