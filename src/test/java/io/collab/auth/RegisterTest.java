package io.collab.auth;

import io.collab.support.Database;
import io.collab.support.TestApp;
import io.collab.support.Users;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("POST /api/auth/register/")
class RegisterTest {

  private TestApp app;
  private Database db;

  @BeforeAll
  void deploy() {
    app = TestApp.start();
    db = Database.of(app);
  }

  @AfterAll
  void undeploy() {
    db.close();
    app.stop();
  }

  @Test
  @DisplayName("creates an account and answers 201 with exactly {id, email, username}")
  void createsAccount() {
    JsonObject registration = Users.newRegistration();

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
    HttpResponse<Buffer> response = app.post("/api/auth/register", Users.newRegistration());

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.bodyAsJsonObject().fieldNames()).containsExactlyInAnyOrder("id", "email", "username");
  }

  @Test
  @DisplayName("the new account can log in with the registered password")
  void newAccountCanLogIn() {
    Users.Account account = Users.register(app);

    HttpResponse<Buffer> response = app.post("/api/auth/login/", Users.credentials(account));

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("refuses an email already registered in another case with 400 validation_failed on fields.email")
  void duplicateEmailIgnoringCase() {
    Users.Account existing = Users.register(app);
    JsonObject again = Users.newRegistration().put("email", existing.email().toUpperCase(Locale.ROOT));

    HttpResponse<Buffer> response = app.post("/api/auth/register/", again);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("validation_failed");
    assertThat(body.getString("detail")).isNotBlank();
    assertThat(body.getJsonObject("fields").fieldNames()).containsExactly("email");
    assertThat(body.getJsonObject("fields").getString("email")).isNotBlank();
  }

  @Test
  @DisplayName("refuses a username already taken with 400 validation_failed on fields.username")
  void duplicateUsername() {
    Users.Account existing = Users.register(app);
    JsonObject again = Users.newRegistration().put("username", existing.username());

    HttpResponse<Buffer> response = app.post("/api/auth/register/", again);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("validation_failed");
    assertThat(body.getJsonObject("fields").fieldNames()).containsExactly("username");
    assertThat(body.getJsonObject("fields").getString("username")).isNotBlank();
  }

  @Test
  @DisplayName("a refused duplicate creates no second account")
  void duplicateCreatesNothing() {
    Users.Account existing = Users.register(app);
    app.post("/api/auth/register/", Users.newRegistration().put("email", existing.email().toUpperCase(Locale.ROOT)));

    Row row = db.query("SELECT count(*) AS n FROM users WHERE lower(email) = lower($1)", existing.email())
        .iterator().next();
    assertThat(row.getLong("n")).isEqualTo(1L);
  }

  @Test
  @DisplayName("of simultaneous registrations of one email, exactly one succeeds and the others get fields.email")
  void concurrentDuplicates() {
    String email = Users.uniqueName() + "@example.com";
    List<Future<HttpResponse<Buffer>>> attempts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      attempts.add(app.web.post("/api/auth/register/")
          .sendJsonObject(Users.newRegistration().put("email", i % 2 == 0 ? email : email.toUpperCase(Locale.ROOT))));
    }
    Future.join(attempts).await();

    List<HttpResponse<Buffer>> responses = attempts.stream().map(Future::result).toList();
    assertThat(responses).filteredOn(r -> r.statusCode() == 201).hasSize(1);
    assertThat(responses).filteredOn(r -> r.statusCode() != 201).allSatisfy(r -> {
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("validation_failed");
      assertThat(r.bodyAsJsonObject().getJsonObject("fields").fieldNames()).containsExactly("email");
    });
  }

  @Test
  @DisplayName("refuses a password shorter than auth.passwordMinLength (8) with 400 on fields.password")
  void shortPassword() {
    HttpResponse<Buffer> response = app.post("/api/auth/register/", Users.newRegistration().put("password", "1234567"));

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("validation_failed");
    assertThat(body.getJsonObject("fields").fieldNames()).containsExactly("password");
    assertThat(body.getJsonObject("fields").getString("password")).isNotBlank();
  }

  @Test
  @DisplayName("accepts a password of exactly auth.passwordMinLength (8) characters")
  void passwordAtMinimumLength() {
    HttpResponse<Buffer> response = app.post("/api/auth/register/", Users.newRegistration().put("password", "12345678"));

    assertThat(response.statusCode()).isEqualTo(201);
  }

  @Test
  @DisplayName("refuses a username with characters other than letters, digits and @ . + - _ on fields.username")
  void usernameCharacters() {
    HttpResponse<Buffer> response = app.post("/api/auth/register/", Users.newRegistration().put("username", "ada lovelace!"));

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("validation_failed");
    assertThat(body.getJsonObject("fields").fieldNames()).containsExactly("username");
  }

  @Test
  @DisplayName("refuses a body that is not a JSON object with 400 validation_failed")
  void notAnObject() {
    HttpResponse<Buffer> response = app.web.post("/api/auth/register/")
        .putHeader("content-type", "application/json")
        .sendBuffer(Buffer.buffer("[\"a@example.com\", \"ada\", \"password1\"]")).await();

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("validation_failed");
  }

  @Test
  @DisplayName("refuses a body missing a required field with 400 validation_failed naming the field")
  void missingField() {
    JsonObject registration = Users.newRegistration();
    registration.remove("username");

    HttpResponse<Buffer> response = app.post("/api/auth/register/", registration);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("validation_failed");
    assertThat(body.getString("detail")).isNotBlank();
    assertThat(body.getJsonObject("fields").fieldNames()).contains("username");
  }

  @Test
  @DisplayName("refuses a field of the wrong type with 400 validation_failed naming the field")
  void wrongType() {
    HttpResponse<Buffer> response = app.post("/api/auth/register/", Users.newRegistration().put("password", 12345678));

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("validation_failed");
    assertThat(body.getJsonObject("fields").fieldNames()).contains("password");
  }

  @Test
  @DisplayName("refuses malformed JSON with 400 validation_failed")
  void malformedJson() {
    HttpResponse<Buffer> response = app.web.post("/api/auth/register/")
        .putHeader("content-type", "application/json")
        .sendBuffer(Buffer.buffer("{\"email\": \"a@example.com\", \"username\": ")).await();

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("validation_failed");
    assertThat(response.bodyAsJsonObject().getString("detail")).isNotBlank();
  }

  @Test
  @DisplayName("stores the password as an Argon2id PHC string, never in clear")
  void passwordStoredAsArgon2id() {
    Users.Account account = Users.register(app);

    String hash = db.query("SELECT password_hash FROM users WHERE id = $1", account.id())
        .iterator().next().getString("password_hash");
    assertThat(hash).startsWith("$argon2id$v=19$");
    assertThat(hash).matches("\\$argon2id\\$v=19\\$m=\\d+,t=\\d+,p=\\d+\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+");
    assertThat(hash).doesNotContain(account.password());
  }

  @Test
  @DisplayName("two accounts with the same password get different hashes (salted)")
  void hashesAreSalted() {
    Users.Account first = Users.register(app);
    JsonObject second = Users.newRegistration().put("password", first.password());
    long secondId = app.post("/api/auth/register/", second).bodyAsJsonObject().getLong("id");

    Row row = db.query("SELECT count(DISTINCT password_hash) AS n FROM users WHERE id IN ($1, $2)", first.id(), secondId)
        .iterator().next();
    assertThat(row.getLong("n")).isEqualTo(2L);
  }
}
