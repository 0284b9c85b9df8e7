package io.collab.auth;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Actors.Tokens;
import io.collab.support.AuthLogins;
import io.collab.support.CollabTest;
import io.collab.support.Pause;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Limits of 3 per 3-second window. The service trusts X-Forwarded-For here, so that one test client can speak from
 * several addresses and the per-IP and per-account counters can be told apart.
 */
@CollabTest(settings = {
    "rateLimit.windowSeconds=" + RateLimitTest.WINDOW_SECONDS, "rateLimit.loginPerWindow=" + RateLimitTest.LIMIT,
    "rateLimit.registerPerWindow=" + RateLimitTest.LIMIT, "rateLimit.userPerWindow=" + RateLimitTest.LIMIT,
    "http.trustForwardedFor=true"})
@DisplayName("Rate limits")
class RateLimitTest {

  static final int WINDOW_SECONDS = 3;
  static final int LIMIT = 3;

  private TestApp app;
  private Actors actors;
  private Redis redis;

  /** Every test starts with no attempt counted, whatever the tests before it did. */
  @BeforeEach
  void forgetCounters() {
    redis.send(Request.cmd(Command.FLUSHDB)).await();
  }

  @Test
  @DisplayName("login answers carry RateLimit-Limit and a RateLimit-Remaining that counts down")
  void loginHeaders() {
    Actor account = actors.signUp("user");

    for (int remaining = LIMIT - 1; remaining >= 0; remaining--) {
      HttpResponse<Buffer> response = app.post("/api/auth/login/", Actors.credentials(account));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.getHeader("RateLimit-Limit")).isEqualTo(String.valueOf(LIMIT));
      assertThat(response.getHeader("RateLimit-Remaining")).isEqualTo(String.valueOf(remaining));
    }
  }

  @ParameterizedTest(name = "{2}")
  @CsvSource(delimiter = '|', value = {
      "false | 200 | a login over the limit gets 429 rate_limited with Retry-After, even with the right password",
      "true  | 401 | failed logins count: after the limit of wrong passwords the right one is refused with 429 too"})
  void loginOverLimit(boolean wrongPasswords, int status, String description) {
    Actor account = actors.signUp("user");
    for (int i = 0; i < LIMIT; i++) {
      JsonObject credentials = Actors.credentials(account);
      if (wrongPasswords) {
        credentials.put("password", "guess " + i);
      }
      assertThat(app.post("/api/auth/login/", credentials).statusCode()).isEqualTo(status);
    }

    HttpResponse<Buffer> response = app.post("/api/auth/login/", Actors.credentials(account));

    assertRateLimited(response);
  }

  @Test
  @DisplayName("login is limited per account: the same email from ever new addresses is refused over the limit")
  void loginPerAccount() {
    Actor account = actors.signUp("user");

    List<HttpResponse<Buffer>> attempts = fromNewAddresses("10.0.0.", ip -> loginFrom(ip, Actors.credentials(account)));

    assertThat(attempts.subList(0, LIMIT)).allSatisfy(attempt -> assertThat(attempt.statusCode()).isEqualTo(200));
    assertRateLimited(attempts.get(LIMIT));
  }

  @Test
  @DisplayName("login is limited per IP: ever new emails from one address are refused over the limit")
  void loginPerIp() {
    for (int i = 0; i < LIMIT; i++) {
      JsonObject unknown = Actors.unknownUser();
      assertThat(loginFrom("10.0.1.1", unknown).statusCode()).isEqualTo(401);
    }
    Actor account = actors.signUp("user");

    HttpResponse<Buffer> response = loginFrom("10.0.1.1", Actors.credentials(account));

    assertRateLimited(response);
  }

  @Test
  @DisplayName("once the window has passed, the refused login succeeds again")
  void loginWindowResets() {
    Actor account = actors.signUp("user");
    Supplier<HttpResponse<Buffer>> login = () -> app.post("/api/auth/login/", Actors.credentials(account));
    waitOutRefusal(login);

    HttpResponse<Buffer> response = login.get();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("RateLimit-Remaining")).isEqualTo(String.valueOf(LIMIT - 1));
  }

  @Test
  @DisplayName("register answers carry RateLimit-Limit and RateLimit-Remaining")
  void registerHeaders() {
    HttpResponse<Buffer> response = app.post("/api/auth/register/", Actors.registration("user"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.getHeader("RateLimit-Limit")).isEqualTo(String.valueOf(LIMIT));
    assertThat(response.getHeader("RateLimit-Remaining")).isEqualTo(String.valueOf(LIMIT - 1));
  }

  @Test
  @DisplayName("register is limited per IP: a registration over the limit gets 429 rate_limited with Retry-After")
  void registerPerIp() {
    for (int i = 0; i < LIMIT; i++) {
      assertThat(registerFrom("10.0.2.1", Actors.registration("user")).statusCode()).isEqualTo(201);
    }

    HttpResponse<Buffer> response = registerFrom("10.0.2.1", Actors.registration("user"));

    assertRateLimited(response);
  }

  @Test
  @DisplayName("register is limited per email: the same email from ever new addresses is refused over the limit")
  void registerPerEmail() {
    JsonObject registration = Actors.registration("user");

    List<HttpResponse<Buffer>> attempts = fromNewAddresses("10.0.3.",
        ip -> registerFrom(ip, registration.copy().put("username", Actors.uniqueName("user"))));

    assertRateLimited(attempts.get(LIMIT));
  }

  @Test
  @DisplayName("once the window has passed, the refused registration succeeds")
  void registerWindowResets() {
    for (int i = 0; i < LIMIT; i++) {
      app.post("/api/auth/register/", Actors.registration("user"));
    }
    JsonObject registration = Actors.registration("user");
    HttpResponse<Buffer> refused = app.post("/api/auth/register/", registration);
    assertRateLimited(refused);

    waitRetryAfter(refused);

    assertThat(app.post("/api/auth/register/", registration).statusCode()).isEqualTo(201);
  }

  @Test
  @DisplayName("authenticated calls carry RateLimit-Limit and RateLimit-Remaining per user")
  void userHeaders() {
    Tokens tokens = actors.loginNewUser();

    for (int remaining = LIMIT - 1; remaining >= 0; remaining--) {
      HttpResponse<Buffer> response = actors.me(tokens.access());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.getHeader("RateLimit-Limit")).isEqualTo(String.valueOf(LIMIT));
      assertThat(response.getHeader("RateLimit-Remaining")).isEqualTo(String.valueOf(remaining));
    }
  }

  @Test
  @DisplayName("an authenticated call over the per-user limit gets 429 rate_limited with Retry-After")
  void userOverLimit() {
    Tokens tokens = actors.loginNewUser();
    for (int i = 0; i < LIMIT; i++) {
      assertThat(actors.me(tokens.access()).statusCode()).isEqualTo(200);
    }

    assertRateLimited(actors.me(tokens.access()));
  }

  @Test
  @DisplayName("the per-user limit counts per user: another user from the same address is not throttled")
  void userLimitIsPerUser() {
    Tokens throttled = actors.loginNewUser();
    Tokens other = actors.loginNewUser();
    for (int i = 0; i <= LIMIT; i++) {
      actors.me(throttled.access());
    }
    assertRateLimited(actors.me(throttled.access()));

    assertThat(actors.me(other.access()).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("the per-user limit counts per user, not per token: a second login shares the first one's budget")
  void userLimitSpansLogins() {
    AuthLogins logins = AuthLogins.ofOneUser(actors);
    for (int i = 0; i < LIMIT; i++) {
      assertThat(actors.me(logins.first().access()).statusCode()).isEqualTo(200);
    }

    assertRateLimited(actors.me(logins.second().access()));
  }

  @Test
  @DisplayName("once the window has passed, the throttled user's call succeeds again")
  void userWindowResets() {
    Tokens tokens = actors.loginNewUser();
    waitOutRefusal(() -> actors.me(tokens.access()));

    assertThat(actors.me(tokens.access()).statusCode()).isEqualTo(200);
  }

  /** The answers to {@code LIMIT} attempts and one more, each made by {@code attempt} from a new address in {@code subnet}. */
  private static List<HttpResponse<Buffer>> fromNewAddresses(String subnet,
                                                             Function<String, HttpResponse<Buffer>> attempt) {
    List<HttpResponse<Buffer>> answers = new ArrayList<>();
    for (int i = 0; i < LIMIT; i++) {
      answers.add(attempt.apply(subnet + (i + 1)));
    }
    answers.add(attempt.apply(subnet + "99"));
    return answers;
  }

  private HttpResponse<Buffer> loginFrom(String ip, JsonObject credentials) {
    return app.web.post("/api/auth/login/").putHeader("X-Forwarded-For", ip).sendJsonObject(credentials).await();
  }

  private HttpResponse<Buffer> registerFrom(String ip, JsonObject registration) {
    return app.web.post("/api/auth/register/").putHeader("X-Forwarded-For", ip).sendJsonObject(registration).await();
  }

  private static void assertRateLimited(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(429);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("rate_limited");
    assertThat(response.bodyAsJsonObject().getString("detail")).isNotBlank();
    assertThat(response.getHeader("Retry-After")).as("Retry-After").isNotNull();
    assertThat(Integer.parseInt(response.getHeader("Retry-After"))).isBetween(1, WINDOW_SECONDS);
    assertThat(response.getHeader("RateLimit-Limit")).isEqualTo(String.valueOf(LIMIT));
    assertThat(response.getHeader("RateLimit-Remaining")).isEqualTo("0");
  }

  /** Spends the window's budget with {@code call}, checks that one call more is refused, and waits out its Retry-After. */
  private static void waitOutRefusal(Supplier<HttpResponse<Buffer>> call) {
    for (int i = 0; i < LIMIT; i++) {
      call.get();
    }
    HttpResponse<Buffer> refused = call.get();
    assertRateLimited(refused);
    waitRetryAfter(refused);
  }

  private static void waitRetryAfter(HttpResponse<Buffer> refused) {
    Pause.sleep(Integer.parseInt(refused.getHeader("Retry-After")) * 1000L + 300);
  }
}
