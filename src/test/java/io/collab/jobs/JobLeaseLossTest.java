package io.collab.jobs;

import io.collab.config.CollabConfig;
import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Jobs;
import io.collab.support.Pause;
import io.collab.support.TestApp;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A worker whose lease passed to another stops its run and records nothing; the job still ends, once. */
@DisplayName("A worker that lost its lease")
class JobLeaseLossTest {

  private static final long LEASE_MS = 2_000;

  @TempDir
  Path dir;
  private TestApp app;
  private Pool pg;

  @BeforeEach
  void deploy() {
    app = TestApp.start(config -> config.getJsonObject("jobs").put("sandbox", "none").put("leaseMs", LEASE_MS));
    pg = PgBuilder.pool().connectingTo(new CollabConfig.Pg(app.config.getJsonObject("pg").getString("url"), 1, 5000)
        .connectOptions()).using(app.vertx).build();
  }

  @AfterEach
  void undeploy() {
    pg.close().await();
    app.stop();
  }

  @Test
  @DisplayName("stops its run at its next renewal, records nothing, and the job is reclaimed once the other holder dies")
  void stopsAndRecordsNothing() {
    Actors actors = new Actors(app);
    Actor user = actors.register("lease-loss");
    Path finished = dir.resolve("finished");
    String id = Jobs.submit(actors, user, new JsonObject().put("language", "python").put("code", """
        import time
        time.sleep(%d)
        open(%s, "w").close()
        print("done")
        """.formatted(LEASE_MS * 2 / 1000, quoted(finished))));
    Jobs.awaitStatus(actors, user, id, Set.of("running"));

    // another worker took the job over (as after this one's lease expired unrenewed)
    pg.preparedQuery("UPDATE jobs SET lease_token = $2, lease_until = now() + interval '1 minute' WHERE id = $1")
        .execute(Tuple.of(UUID.fromString(id), UUID.randomUUID())).await();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!app.get("/metrics").bodyAsString().matches("(?s).*collab_jobs_leases_lost_total(\\{[^}]*})? 1\\.0.*")) {
      assertThat(System.nanoTime()).as("the worker noticed within 10 s").isLessThan(deadline);
      Pause.sleep(100);
    }
    Pause.sleep(LEASE_MS * 2 + 500);  // past the moment the program would have finished
    assertThat(Files.exists(finished)).as("the run was stopped").isFalse();
    JsonObject job = actors.get(user, "/api/jobs/" + id + "/").bodyAsJsonObject();
    assertThat(job.getString("status")).as("the stale worker recorded nothing: %s", job).isEqualTo("running");

    // the other holder dies: its lease expires, the entry left pending is reclaimed and the job runs again
    pg.preparedQuery("UPDATE jobs SET lease_until = now() - interval '1 second' WHERE id = $1")
        .execute(Tuple.of(UUID.fromString(id))).await();
    job = Jobs.awaitStatus(actors, user, id, Jobs.FINAL);
    assertThat(job.getString("status")).isEqualTo("succeeded");
    assertThat(job.getInteger("attempts")).isEqualTo(2);
    assertThat(Files.exists(finished)).isTrue();
  }

  private static String quoted(Path path) {
    return "'" + path.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
