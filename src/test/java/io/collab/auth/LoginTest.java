package io.collab.auth;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Actors.Tokens;
import io.collab.support.AuthLogins;
import io.collab.support.CollabTest;
import io.collab.support.Database;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.collab.support.Errors.assertError;
import static io.collab.support.Errors.assertValidationFailed;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("POST /api/auth/login/ and GET /api/auth/me/")
class LoginTest {

  private TestApp app;
  private Actors actors;
  private Database db;

  @ParameterizedTest(name = "POST {0}")
  @ValueSource(strings = {"/api/auth/login/", "/api/auth/login"})
  @DisplayName("the right email and password get 200 with exactly {access, refresh}, with or without the trailing slash")
  void logsIn(String path) {
    Actor account = actors.signUp("user");

    HttpResponse<Buffer> response = app.post(path, Actors.credentials(account));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("access", "refresh");
    assertThat(body.getString("access")).isNotBlank().isNotEqualTo(body.getString("refresh"));
    assertThat(body.getString("refresh")).isNotBlank();
  }

  @Test
  @DisplayName("a wrong password gets 401 invalid_credentials")
  void wrongPassword() {
    Actor account = actors.signUp("user");

    HttpResponse<Buffer> response = app.post("/api/auth/login/",
        Actors.credentials(account).put("password", Actors.PASSWORD + "x"));

    assertError(response, 401, "invalid_credentials");
    assertThat(response.bodyAsJsonObject().getString("detail")).isNotBlank();
  }

  @Test
  @DisplayName("an unknown email gets 401 invalid_credentials")
  void unknownEmail() {
    HttpResponse<Buffer> response = app.post("/api/auth/login/", Actors.unknownUser());

    assertError(response, 401, "invalid_credentials");
  }

  @Test
  @DisplayName("a wrong password and an unknown email get the very same answer")
  void sameAnswerForBothFailures() {
    FailedLogins failed = FailedLogins.of(app, actors);

    assertThat(failed.unknownEmail().statusCode()).isEqualTo(failed.wrongPassword().statusCode());
    assertThat(failed.unknownEmail().bodyAsJsonObject()).isEqualTo(failed.wrongPassword().bodyAsJsonObject());
    assertThat(failed.unknownEmail().getHeader("WWW-Authenticate"))
        .isEqualTo(failed.wrongPassword().getHeader("WWW-Authenticate"));
  }

  /** The answers to a login with a wrong password and to one with an unknown email, which must not differ. */
  record FailedLogins(HttpResponse<Buffer> wrongPassword, HttpResponse<Buffer> unknownEmail) {

    static FailedLogins of(TestApp app, Actors actors) {
      Actor account = actors.signUp("user");
      return new FailedLogins(app.post("/api/auth/login/", Actors.wrongPassword(account)),
          app.post("/api/auth/login/", Actors.unknownUser()));
    }
  }

  @Test
  @DisplayName("a deactivated account gets 401 invalid_credentials even with the right password")
  void deactivatedAccount() {
    Actor account = actors.signUp("user");
    db.query("UPDATE users SET is_active = false WHERE id = $1", account.id());

    HttpResponse<Buffer> response = app.post("/api/auth/login/", Actors.credentials(account));

    assertError(response, 401, "invalid_credentials");
  }

  @Test
  @DisplayName("a body without the password gets 400 validation_failed on fields.password")
  void missingPassword() {
    HttpResponse<Buffer> response = app.post("/api/auth/login/", new JsonObject().put("email", "a@example.com"));

    assertValidationFailed(response, "password");
  }

  @Test
  @DisplayName("an email of the wrong type gets 400 validation_failed on fields.email")
  void wrongType() {
    HttpResponse<Buffer> response = app.post("/api/auth/login/",
        new JsonObject().put("email", 42).put("password", "whatever password"));

    assertValidationFailed(response, "email");
  }

  @Test
  @DisplayName("malformed JSON gets 400 validation_failed")
  void malformedJson() {
    HttpResponse<Buffer> response = app.postRaw("/api/auth/login/", "{\"email\": ");

    assertError(response, 400, "validation_failed");
  }

  @Test
  @DisplayName("each login hands out a different pair of tokens")
  void eachLoginIsNew() {
    AuthLogins logins = AuthLogins.ofOneUser(actors);

    assertThat(logins.second().access()).isNotEqualTo(logins.first().access());
    assertThat(logins.second().refresh()).isNotEqualTo(logins.first().refresh());
  }

  @Test
  @DisplayName("GET /api/auth/me/ with the access token answers 200 with exactly {id, email, username}")
  void me() {
    Actor account = actors.signUp("user");
    Tokens tokens = actors.login(account);

    HttpResponse<Buffer> response = actors.me(tokens.access());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject()).isEqualTo(new JsonObject()
        .put("id", account.id()).put("email", account.email()).put("username", account.username()));
  }

  @Test
  @DisplayName("GET /api/auth/me works without the trailing slash")
  void meWithoutTrailingSlash() {
    Actor account = actors.signUp("user");
    Tokens tokens = actors.login(account);

    HttpResponse<Buffer> response = app.send(app.web.get("/api/auth/me")
        .putHeader("Authorization", "Bearer " + tokens.access()));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getLong("id")).isEqualTo(account.id());
  }
}
