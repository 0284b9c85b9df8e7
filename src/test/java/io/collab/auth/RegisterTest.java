package io.collab.auth;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.CollabTest;
import io.collab.support.Database;
import io.collab.support.TestApp;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Stream;

import static io.collab.support.Errors.assertError;
import static io.collab.support.Errors.assertValidationFailed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

@CollabTest
@DisplayName("POST /api/auth/register/")
class RegisterTest {

  private TestApp app;
  private Actors actors;
  private Database db;

  @Test
  @DisplayName("creates an account and answers 201 with exactly {id, email, username}")
  void createsAccount() {
    JsonObject registration = Actors.registration("user");

    HttpResponse<Buffer> response = app.post("/api/auth/register/", registration);

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    JsonObject user = response.bodyAsJsonObject();
    assertThat(user.fieldNames()).containsExactlyInAnyOrder("id", "email", "username");
    assertThat(user.getValue("id")).isInstanceOf(Number.class);
    assertThat(user.getString("email")).isEqualTo(registration.getString("email"));
    assertThat(user.getString("username")).isEqualTo(registration.getString("username"));
  }

  @Test
  @DisplayName("works without the trailing slash: POST /api/auth/register")
  void withoutTrailingSlash() {
    HttpResponse<Buffer> response = app.post("/api/auth/register", Actors.registration("user"));

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.bodyAsJsonObject().fieldNames()).containsExactlyInAnyOrder("id", "email", "username");
  }

  @Test
  @DisplayName("the new account can log in with the registered password")
  void newAccountCanLogIn() {
    Actor account = actors.signUp("user");

    HttpResponse<Buffer> response = app.post("/api/auth/login/", Actors.credentials(account));

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{2}")
  @MethodSource("takenFields")
  void refusesTakenField(String field, Function<Actor, String> existingValue, String description) {
    Actor existing = actors.signUp("user");
    JsonObject again = Actors.registration("user").put(field, existingValue.apply(existing));

    HttpResponse<Buffer> response = app.post("/api/auth/register/", again);

    assertThat(assertValidationFailed(response, field).fieldNames()).containsExactly(field);
  }

  static Stream<Arguments> takenFields() {
    return Stream.of(
        arguments("email", (Function<Actor, String>) account -> account.email().toUpperCase(Locale.ROOT),
            "refuses an email already registered in another case with 400 validation_failed on fields.email"),
        arguments("username", (Function<Actor, String>) Actor::username,
            "refuses a username already taken with 400 validation_failed on fields.username"));
  }

  @Test
  @DisplayName("a refused duplicate creates no second account")
  void duplicateCreatesNothing() {
    Actor existing = actors.signUp("user");
    app.post("/api/auth/register/", Actors.registration("user").put("email", existing.email().toUpperCase(Locale.ROOT)));

    Row row = db.query("SELECT count(*) AS n FROM users WHERE lower(email) = lower($1)", existing.email())
        .iterator().next();
    assertThat(row.getLong("n")).isEqualTo(1L);
  }

  @Test
  @DisplayName("of simultaneous registrations of one email, exactly one succeeds and the others get fields.email")
  void concurrentDuplicates() {
    String email = Actors.unknownEmail();
    List<Future<HttpResponse<Buffer>>> attempts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      attempts.add(app.web.post("/api/auth/register/")
          .sendJsonObject(Actors.registration("user").put("email", i % 2 == 0 ? email : email.toUpperCase(Locale.ROOT))));
    }
    Future.join(attempts).await();

    List<HttpResponse<Buffer>> responses = attempts.stream().map(Future::result).toList();
    assertThat(responses).filteredOn(r -> r.statusCode() == 201).hasSize(1);
    assertThat(responses).filteredOn(r -> r.statusCode() != 201)
        .allSatisfy(r -> assertThat(assertValidationFailed(r, "email").fieldNames()).containsExactly("email"));
  }

  @Test
  @DisplayName("accepts a password of exactly auth.passwordMinLength (8) characters")
  void passwordAtMinimumLength() {
    HttpResponse<Buffer> response = app.post("/api/auth/register/", Actors.registration("user").put("password", "12345678"));

    assertThat(response.statusCode()).isEqualTo(201);
  }

  @ParameterizedTest(name = "{2}")
  @CsvSource(delimiter = '|', value = {
      "password | 1234567      | refuses a password shorter than auth.passwordMinLength (8) with 400 on fields.password",
      "username | ada lovelace! | refuses a username with characters other than letters, digits and @ . + - _ on fields.username"})
  void refusesOneField(String field, String value, String description) {
    HttpResponse<Buffer> response = app.post("/api/auth/register/", Actors.registration("user").put(field, value));

    assertThat(assertValidationFailed(response, field).fieldNames()).containsExactly(field);
  }


  @Test
  @DisplayName("refuses a body missing a required field with 400 validation_failed naming the field")
  void missingField() {
    JsonObject registration = Actors.registration("user");
    registration.remove("username");

    HttpResponse<Buffer> response = app.post("/api/auth/register/", registration);

    assertValidationFailed(response, "username");
  }

  @Test
  @DisplayName("refuses a field of the wrong type with 400 validation_failed naming the field")
  void wrongType() {
    HttpResponse<Buffer> response = app.post("/api/auth/register/", Actors.registration("user").put("password", 12345678));

    assertValidationFailed(response, "password");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"[\"a@example.com\", \"ada\", \"password1\"]", "{\"email\": \"a@example.com\", \"username\": "})
  @DisplayName("refuses a body that is not a JSON object, or not JSON at all, with 400 validation_failed")
  void refusesBodyThatIsNoObject(String body) {
    HttpResponse<Buffer> response = app.postRaw("/api/auth/register/", body);

    assertThat(response.getHeader("content-type")).startsWith("application/json");
    assertError(response, 400, "validation_failed");
  }

  @Test
  @DisplayName("stores the password as an Argon2id PHC string, never in clear")
  void passwordStoredAsArgon2id() {
    Actor account = actors.signUp("user");

    String hash = db.query("SELECT password_hash FROM users WHERE id = $1", account.id())
        .iterator().next().getString("password_hash");
    assertThat(hash).startsWith("$argon2id$v=19$");
    assertThat(hash).matches("\\$argon2id\\$v=19\\$m=\\d+,t=\\d+,p=\\d+\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+");
    assertThat(hash).doesNotContain(Actors.PASSWORD);
  }

  @Test
  @DisplayName("two accounts with the same password get different hashes (salted)")
  void hashesAreSalted() {
    Actor first = actors.signUp("user");
    JsonObject second = Actors.registration("user").put("password", Actors.PASSWORD);
    long secondId = app.post("/api/auth/register/", second).bodyAsJsonObject().getLong("id");

    Row row = db.query("SELECT count(DISTINCT password_hash) AS n FROM users WHERE id IN ($1, $2)", first.id(), secondId)
        .iterator().next();
    assertThat(row.getLong("n")).isEqualTo(2L);
  }
}
