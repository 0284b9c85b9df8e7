package io.collab.auth;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.Database;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** With the shipped Argon2 cost, so that the hashing dominates as it does in production. */
@CollabTest(settings = {"auth.argon2MemoryKib=19456", "auth.argon2Iterations=2"})
@DisplayName("Login failures at the production Argon2 cost")
class LoginTimingTest {

  private static final int ATTEMPTS = 7;
  /** Generous: two shared cores and a JIT are noisy, while skipping the hash entirely would differ by far more. */
  private static final double MAX_RATIO = 3.0;

  private TestApp app;
  private Actors actors;

  @Test
  @DisplayName("a wrong password and an unknown email take similar time (medians within a factor of 3)")
  void similarTiming() {
    Actor account = actors.signUp("user");
    JsonObject wrongPassword = Actors.wrongPassword(account);
    JsonObject unknownEmail = Actors.unknownUser();
    // warm up both paths (JIT, connections) before measuring
    timedLogin(wrongPassword);
    timedLogin(unknownEmail);

    List<Long> wrongPasswordNanos = new ArrayList<>();
    List<Long> unknownEmailNanos = new ArrayList<>();
    for (int i = 0; i < ATTEMPTS; i++) {
      wrongPasswordNanos.add(timedLogin(wrongPassword));
      unknownEmailNanos.add(timedLogin(unknownEmail));
    }

    long a = median(wrongPasswordNanos);
    long b = median(unknownEmailNanos);
    double ratio = (double) Math.max(a, b) / Math.min(a, b);
    assertThat(ratio)
        .as("median wrong password %d ms, median unknown email %d ms", a / 1_000_000, b / 1_000_000)
        .isLessThanOrEqualTo(MAX_RATIO);
  }

  @Test
  @DisplayName("a wrong password and an unknown email get the same 401 invalid_credentials body")
  void sameBody() {
    LoginTest.FailedLogins failed = LoginTest.FailedLogins.of(app, actors);

    assertThat(failed.wrongPassword().statusCode()).isEqualTo(401);
    assertThat(failed.unknownEmail().statusCode()).isEqualTo(401);
    assertThat(failed.wrongPassword().bodyAsJsonObject().getString("error")).isEqualTo("invalid_credentials");
    assertThat(failed.unknownEmail().bodyAsString()).isEqualTo(failed.wrongPassword().bodyAsString());
  }

  @Test
  @DisplayName("stores the password as Argon2id with the configured cost: $argon2id$v=19$m=19456,t=2,p=1$...")
  void configuredCost() {
    Actor account = actors.signUp("user");

    try (Database db = Database.of(app)) {
      String hash = db.query("SELECT password_hash FROM users WHERE id = $1", account.id())
          .iterator().next().getString("password_hash");
      assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain(Actors.PASSWORD);
    }
  }

  private long timedLogin(JsonObject credentials) {
    long start = System.nanoTime();
    HttpResponse<Buffer> response = app.post("/api/auth/login/", credentials);
    long elapsed = System.nanoTime() - start;
    assertThat(response.statusCode()).isEqualTo(401);
    return elapsed;
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
