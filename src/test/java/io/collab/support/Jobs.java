package io.collab.support;

import io.collab.support.Actors.Actor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Submitting jobs and waiting for their status, over the HTTP API. */
public final class Jobs {

  public static final Set<String> FINAL = Set.of("succeeded", "failed", "cancelled");
  private static final Duration WAIT = Duration.ofSeconds(25);

  private Jobs() {}

  /** Submits {@code body}; fails the test unless it is accepted (202). Returns the job id. */
  public static String submit(Actors actors, Actor user, JsonObject body) {
    HttpResponse<Buffer> response = actors.post(user, "/api/jobs/submit/", body);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    return response.bodyAsJsonObject().getString("job_id");
  }

  /** Submits {@code body} and waits until the job is final; returns the job. */
  public static JsonObject run(Actors actors, Actor user, JsonObject body) {
    return awaitStatus(actors, user, submit(actors, user, body), FINAL);
  }

  /** Waits until the job is final; fails the test unless it ended {@code status}. Returns the job. */
  public static JsonObject awaitEnd(Actors actors, Actor user, String id, String status) {
    JsonObject job = awaitStatus(actors, user, id, FINAL);
    assertThat(job.getString("status")).as(job.encode()).isEqualTo(status);
    return job;
  }

  /** Polls {@code GET /api/jobs/{id}/} until the job's status is one of {@code wanted}; fails the test after 25 s. */
  public static JsonObject awaitStatus(Actors actors, Actor user, String id, Set<String> wanted) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    JsonObject job = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<Buffer> response = actors.get(user, "/api/jobs/" + id + "/");
      job = response.bodyAsJsonObject();
      if (response.statusCode() == 200 && wanted.contains(job.getString("status"))) {
        return job;
      }
      Pause.sleep(100);
    }
    throw new AssertionError("job never reached " + wanted + ": " + job);
  }
}
