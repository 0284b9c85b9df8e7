package io.collab.support;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Accounts and logins made over the public API, for tests whose subject comes after them. */
public final class Users {

  /** An account as its owner knows it. */
  public record Account(long id, String email, String username, String password) {}

  /** What a login or a refresh hands out. */
  public record Tokens(String access, String refresh) {

    public static Tokens of(HttpResponse<Buffer> response) {
      JsonObject body = response.bodyAsJsonObject();
      return new Tokens(body.getString("access"), body.getString("refresh"));
    }
  }

  private Users() {}

  /** A unique username, usable as the local part of an email as well. */
  public static String uniqueName() {
    return "u" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  /** The body of a valid registration of a new, unique account. */
  public static JsonObject newRegistration() {
    String name = uniqueName();
    return new JsonObject()
        .put("email", name + "@example.com")
        .put("username", name)
        .put("password", "correct horse " + name);
  }

  /** Registers a new, unique account; fails the test unless the service answers 201. */
  public static Account register(TestApp app) {
    JsonObject body = newRegistration();
    HttpResponse<Buffer> response = app.post("/api/auth/register/", body);
    assertThat(response.statusCode()).as("register: %s", response.bodyAsString()).isEqualTo(201);
    return new Account(response.bodyAsJsonObject().getLong("id"), body.getString("email"),
        body.getString("username"), body.getString("password"));
  }

  /** Logs {@code account} in; fails the test unless the service answers 200. */
  public static Tokens login(TestApp app, Account account) {
    HttpResponse<Buffer> response = app.post("/api/auth/login/", credentials(account));
    assertThat(response.statusCode()).as("login: %s", response.bodyAsString()).isEqualTo(200);
    return Tokens.of(response);
  }

  /** Registers a new account and logs it in. */
  public static Tokens registerAndLogin(TestApp app) {
    return login(app, register(app));
  }

  public static JsonObject credentials(Account account) {
    return new JsonObject().put("email", account.email()).put("password", account.password());
  }

  /** {@code GET /api/auth/me/} with {@code Authorization: Bearer <access>}. */
  public static HttpResponse<Buffer> me(TestApp app, String access) {
    return app.send(app.web.get("/api/auth/me/").putHeader("Authorization", "Bearer " + access));
  }

  /** {@code POST /api/auth/refresh/} with {@code {"refresh": <refresh>}}. */
  public static HttpResponse<Buffer> refresh(TestApp app, String refresh) {
    return app.post("/api/auth/refresh/", new JsonObject().put("refresh", refresh));
  }

  /** {@code POST /api/auth/logout/} with {@code {"refresh": <refresh>}}. */
  public static HttpResponse<Buffer> logout(TestApp app, String refresh) {
    return app.post("/api/auth/logout/", new JsonObject().put("refresh", refresh));
  }
}
