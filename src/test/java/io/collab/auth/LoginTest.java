package io.collab.auth;

import io.collab.support.Database;
import io.collab.support.TestApp;
import io.collab.support.Users;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("POST /api/auth/login/ and GET /api/auth/me/")
class LoginTest {

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
  @DisplayName("the right email and password get 200 with exactly {access, refresh}")
  void logsIn() {
    Users.Account account = Users.register(app);

    HttpResponse<Buffer> response = app.post("/api/auth/login/", Users.credentials(account));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("access", "refresh");
    assertThat(body.getString("access")).isNotBlank().isNotEqualTo(body.getString("refresh"));
    assertThat(body.getString("refresh")).isNotBlank();
  }

  @Test
  @DisplayName("works without the trailing slash: POST /api/auth/login")
  void withoutTrailingSlash() {
    Users.Account account = Users.register(app);

    HttpResponse<Buffer> response = app.post("/api/auth/login", Users.credentials(account));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().fieldNames()).containsExactlyInAnyOrder("access", "refresh");
  }

  @Test
  @DisplayName("a wrong password gets 401 invalid_credentials")
  void wrongPassword() {
    Users.Account account = Users.register(app);

    HttpResponse<Buffer> response = app.post("/api/auth/login/",
        Users.credentials(account).put("password", account.password() + "x"));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_credentials");
    assertThat(response.bodyAsJsonObject().getString("detail")).isNotBlank();
  }

  @Test
  @DisplayName("an unknown email gets 401 invalid_credentials")
  void unknownEmail() {
    HttpResponse<Buffer> response = app.post("/api/auth/login/", new JsonObject()
        .put("email", Users.uniqueName() + "@example.com").put("password", "whatever password"));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_credentials");
  }

  @Test
  @DisplayName("a wrong password and an unknown email get the very same answer")
  void sameAnswerForBothFailures() {
    Users.Account account = Users.register(app);

    HttpResponse<Buffer> wrongPassword = app.post("/api/auth/login/",
        Users.credentials(account).put("password", "not the password"));
    HttpResponse<Buffer> unknownEmail = app.post("/api/auth/login/", new JsonObject()
        .put("email", Users.uniqueName() + "@example.com").put("password", "not the password"));

    assertThat(unknownEmail.statusCode()).isEqualTo(wrongPassword.statusCode());
    assertThat(unknownEmail.bodyAsJsonObject()).isEqualTo(wrongPassword.bodyAsJsonObject());
    assertThat(unknownEmail.getHeader("WWW-Authenticate")).isEqualTo(wrongPassword.getHeader("WWW-Authenticate"));
  }

  @Test
  @DisplayName("a deactivated account gets 401 invalid_credentials even with the right password")
  void deactivatedAccount() {
    Users.Account account = Users.register(app);
    db.query("UPDATE users SET is_active = false WHERE id = $1", account.id());

    HttpResponse<Buffer> response = app.post("/api/auth/login/", Users.credentials(account));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("invalid_credentials");
  }

  @Test
  @DisplayName("a body without the password gets 400 validation_failed on fields.password")
  void missingPassword() {
    HttpResponse<Buffer> response = app.post("/api/auth/login/", new JsonObject().put("email", "a@example.com"));

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("validation_failed");
    assertThat(body.getJsonObject("fields").fieldNames()).contains("password");
  }

  @Test
  @DisplayName("an email of the wrong type gets 400 validation_failed on fields.email")
  void wrongType() {
    HttpResponse<Buffer> response = app.post("/api/auth/login/",
        new JsonObject().put("email", 42).put("password", "whatever password"));

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("validation_failed");
    assertThat(body.getJsonObject("fields").fieldNames()).contains("email");
  }

  @Test
  @DisplayName("malformed JSON gets 400 validation_failed")
  void malformedJson() {
    HttpResponse<Buffer> response = app.web.post("/api/auth/login/")
        .putHeader("content-type", "application/json")
        .sendBuffer(Buffer.buffer("{\"email\": ")).await();

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("validation_failed");
  }

  @Test
  @DisplayName("each login hands out a different pair of tokens")
  void eachLoginIsNew() {
    Users.Account account = Users.register(app);

    Users.Tokens first = Users.login(app, account);
    Users.Tokens second = Users.login(app, account);

    assertThat(second.access()).isNotEqualTo(first.access());
    assertThat(second.refresh()).isNotEqualTo(first.refresh());
  }

  @Test
  @DisplayName("GET /api/auth/me/ with the access token answers 200 with exactly {id, email, username}")
  void me() {
    Users.Account account = Users.register(app);
    Users.Tokens tokens = Users.login(app, account);

    HttpResponse<Buffer> response = Users.me(app, tokens.access());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject()).isEqualTo(new JsonObject()
        .put("id", account.id()).put("email", account.email()).put("username", account.username()));
  }

  @Test
  @DisplayName("GET /api/auth/me works without the trailing slash")
  void meWithoutTrailingSlash() {
    Users.Account account = Users.register(app);
    Users.Tokens tokens = Users.login(app, account);

    HttpResponse<Buffer> response = app.send(app.web.get("/api/auth/me")
        .putHeader("Authorization", "Bearer " + tokens.access()));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getLong("id")).isEqualTo(account.id());
  }
}
