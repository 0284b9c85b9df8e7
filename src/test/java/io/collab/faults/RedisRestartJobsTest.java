package io.collab.faults;

import io.collab.config.CollabConfig;
import io.collab.support.Actors.Actor;
import io.collab.support.FaultRig;
import io.collab.support.Jobs;
import io.collab.support.Pause;
import io.collab.support.RedisProcess;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis restarted empty (it keeps nothing on disk, as many deployments run it) loses the job stream, its consumer
 * group and every pending entry. PostgreSQL keeps the jobs: every accepted job still runs, exactly once, and the
 * workers read the new Redis at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Jobs across a Redis restarted empty")
class RedisRestartJobsTest {

  private static final long COMMAND_TIMEOUT_MS = 500;
  private static final int RECONCILE_SECONDS = 2;
  /** Long on purpose: a job that waited for a lease to expire could not finish in time. */
  private static final long LEASE_MS = 60_000;
  /** Scheduling on a loaded 2-core machine, a python start-up, the HTTP polls. */
  private static final long MARGIN_MS = 3_000;

  @TempDir
  Path runs;
  private FaultRig<RedisProcess> rig;
  private Actor user;

  @BeforeAll
  void deploy() {
    rig = FaultRig.start(RedisProcess::start, COMMAND_TIMEOUT_MS, config -> config.getJsonObject("jobs").put("concurrency", 1)
        .put("leaseMs", LEASE_MS).put("reconcileSeconds", RECONCILE_SECONDS));
    user = rig.actors.register("restart");
  }

  @AfterAll
  void undeploy() {
    rig.close();
  }

  @Test
  @DisplayName("jobs accepted and queued when Redis lost them are queued again within reconcileSeconds and run exactly once")
  void queuedJobsRunOnce() {
    String blocker = submit("blocker", 2.0);
    Jobs.awaitStatus(rig.actors, user, blocker, Set.of("running"));
    List<String> queued = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      queued.add(submit("queued-" + i, 0));
    }
    queued.forEach(id -> assertThat(status(id)).as("the only slot is busy").isEqualTo("queued"));

    rig.redis.restartEmpty();
    long restarted = System.nanoTime();
    awaitStreamLength(queued.size(), RECONCILE_SECONDS * 1000L + MARGIN_MS);
    long requeuedMs = (System.nanoTime() - restarted) / 1_000_000;

    for (String id : concat(blocker, queued)) {
      JsonObject job = Jobs.awaitStatus(rig.actors, user, id, Jobs.FINAL);
      assertThat(job.getString("status")).as(job.encode()).isEqualTo("succeeded");
      assertThat(job.getInteger("attempts")).as("started once: %s", job.encode()).isEqualTo(1);
    }
    assertThat(markers()).as("each job's program ran once")
        .filteredOn(name -> name.startsWith("blocker") || name.startsWith("queued-"))
        .containsExactlyInAnyOrder("blocker", "queued-0", "queued-1", "queued-2");
    assertThat(requeuedMs).as("queued again after %d ms", requeuedMs)
        .isLessThan(RECONCILE_SECONDS * 1000L + MARGIN_MS);
    assertThat(rig.app.get("/metrics").bodyAsString())
        .containsPattern("collab_jobs_requeued_total(\\{[^}]*})? 3\\.0");
  }

  @Test
  @DisplayName("a job submitted right after Redis returns finishes within seconds (the reader reconnected)")
  void readerRecovers() {
    String before = submit("before-restart", 0);
    Jobs.awaitStatus(rig.actors, user, before, Jobs.FINAL);

    rig.redis.restartEmpty();
    long accepted = 0;
    String id = null;
    long deadline = System.nanoTime() + 3_000_000_000L;
    while (id == null && System.nanoTime() < deadline) {  // the API's pooled connections reconnect too
      HttpResponse<Buffer> response = rig.actors.post(user, "/api/jobs/submit/", program("after-restart", 0));
      if (response.statusCode() == 202) {
        id = response.bodyAsJsonObject().getString("job_id");
        accepted = System.nanoTime();
      } else {
        Pause.sleep(50);
      }
    }
    assertThat(id).as("a submit accepted within 3 s of the restart").isNotNull();
    JsonObject job = Jobs.awaitStatus(rig.actors, user, id, Jobs.FINAL);
    long tookMs = (System.nanoTime() - accepted) / 1_000_000;
    assertThat(job.getString("status")).isEqualTo("succeeded");
    assertThat(tookMs).as("finished %d ms after it was accepted", tookMs).isLessThan(2_000 + MARGIN_MS);
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  /** A program that records that it ran (one marker file per run, so a second run would show), then sleeps. */
  private JsonObject program(String name, double sleepSeconds) {
    String code = """
        import os, time
        open(%s + "-%%d-%%d" %% (os.getpid(), time.time_ns()), "w").close()
        time.sleep(%s)
        print("done")
        """.formatted(pythonString(runs.resolve(name).toString()), sleepSeconds);
    return new JsonObject().put("language", "python").put("code", code);
  }

  private String submit(String name, double sleepSeconds) {
    return Jobs.submit(rig.actors, user, program(name, sleepSeconds));
  }

  private List<String> markers() {
    try (var files = Files.list(runs)) {
      return files.map(file -> file.getFileName().toString().replaceAll("-\\d+-\\d+$", "")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String status(String id) {
    return rig.actors.get(user, "/api/jobs/" + id + "/").bodyAsJsonObject().getString("status");
  }

  /** Waits until the new Redis's job stream holds {@code entries} entries. */
  private void awaitStreamLength(int entries, long withinMs) {
    CollabConfig.RedisSettings settings = CollabConfig.from(rig.app.config).redis();
    Redis client = Redis.createClient(rig.app.vertx, rig.redis.url());
    try {
      long deadline = System.nanoTime() + withinMs * 1_000_000;
      long length = 0;
      while (System.nanoTime() < deadline) {
        length = client.send(Request.cmd(Command.XLEN).arg(settings.key("jobs"))).await().toLong();
        if (length >= entries) {
          return;
        }
        Pause.sleep(50);
      }
      throw new AssertionError("the job stream held " + length + " entries, not " + entries + ", after " + withinMs
          + " ms");
    } finally {
      client.close();
    }
  }

  private static List<String> concat(String first, List<String> rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(rest);
    return all;
  }

  private static String pythonString(String text) {
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
