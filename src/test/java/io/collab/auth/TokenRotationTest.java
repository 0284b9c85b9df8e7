package io.collab.auth;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Actors.Tokens;
import io.collab.support.AuthLogins;
import io.collab.support.CollabTest;
import io.collab.support.Database;
import io.collab.support.Jwt;
import io.collab.support.TestApp;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.collab.support.AuthRefusals.assertTokenRefused;
import static io.collab.support.Errors.assertError;
import static io.collab.support.Errors.assertValidationFailed;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Refresh token rotation (POST /api/auth/refresh/) and logout (POST /api/auth/logout/)")
class TokenRotationTest {

  private TestApp app;
  private Actors actors;
  private Database db;

  @Test
  @DisplayName("a refresh token gets 200 with exactly {access, refresh}, both different from the old ones")
  void rotates() {
    Tokens old = actors.loginNewUser();

    HttpResponse<Buffer> response = actors.refresh(old.refresh());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("access", "refresh");
    assertThat(body.getString("access")).isNotBlank().isNotEqualTo(old.access());
    assertThat(body.getString("refresh")).isNotBlank().isNotEqualTo(old.refresh());
  }

  @ParameterizedTest(name = "works without the trailing slash: POST {0} answers {1}")
  @CsvSource({"/api/auth/refresh, 200", "/api/auth/logout, 204"})
  void withoutTrailingSlash(String path, int status) {
    Tokens login = actors.loginNewUser();

    HttpResponse<Buffer> response = app.post(path, new JsonObject().put("refresh", login.refresh()));

    assertThat(response.statusCode()).isEqualTo(status);
  }

  @Test
  @DisplayName("the rotated access token authenticates the same user and the rotated refresh token rotates again")
  void rotatedTokensWork() {
    Actor account = actors.signUp("user");
    Tokens rotated = Tokens.of(actors.refresh(actors.login(account).refresh()));

    HttpResponse<Buffer> me = actors.me(rotated.access());
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getLong("id")).isEqualTo(account.id());

    assertThat(actors.refresh(rotated.refresh()).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("presenting a consumed refresh token again gets 401 token_invalid with WWW-Authenticate")
  void reuseIsRefused() {
    Tokens login = actors.loginNewUser();
    assertThat(actors.refresh(login.refresh()).statusCode()).isEqualTo(200);

    HttpResponse<Buffer> reuse = actors.refresh(login.refresh());

    assertTokenRefused(reuse, "token_invalid");
  }

  @Test
  @DisplayName("reuse revokes the whole family: the token issued by the successful rotation then fails with 401")
  void reuseRevokesFamily() {
    Tokens login = actors.loginNewUser();
    Tokens rotated = Tokens.of(actors.refresh(login.refresh()));
    assertThat(actors.refresh(login.refresh()).statusCode()).isEqualTo(401);

    HttpResponse<Buffer> successor = actors.refresh(rotated.refresh());

    assertTokenRefused(successor, "token_invalid");
  }

  @Test
  @DisplayName("reuse revokes only its own family: a refresh token from another login of the same user keeps working")
  void reuseSparesOtherFamilies() {
    AuthLogins logins = AuthLogins.ofOneUser(actors);
    Tokens stolen = logins.first();
    actors.refresh(stolen.refresh());
    assertThat(actors.refresh(stolen.refresh()).statusCode()).isEqualTo(401);

    HttpResponse<Buffer> response = actors.refresh(logins.second().refresh());

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("two simultaneous refreshes with the same token: exactly one gets a new pair, and the family is revoked")
  void concurrentReuse() {
    Tokens login = actors.loginNewUser();
    JsonObject body = new JsonObject().put("refresh", login.refresh());

    Future<HttpResponse<Buffer>> first = app.web.post("/api/auth/refresh/").sendJsonObject(body);
    Future<HttpResponse<Buffer>> second = app.web.post("/api/auth/refresh/").sendJsonObject(body);
    Future.join(first, second).await();

    List<Integer> statuses = List.of(first.result().statusCode(), second.result().statusCode());
    assertThat(statuses).containsExactlyInAnyOrder(200, 401);
    HttpResponse<Buffer> winner = first.result().statusCode() == 200 ? first.result() : second.result();
    assertThat(actors.refresh(Tokens.of(winner).refresh()).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("an expired refresh token, signed with the service's key, gets 401 token_expired")
  void expiredRefreshToken() {
    Tokens login = actors.loginNewUser();
    long now = Instant.now().getEpochSecond();
    String stale = Jwt.signHs256(app.vertx, app.config.getJsonObject("jwt").getString("secret"),
        Jwt.payload(login.refresh()).put("iat", now - 7200).put("exp", now - 60));

    HttpResponse<Buffer> response = actors.refresh(stale);

    assertTokenRefused(response, "token_expired");
  }

  @Test
  @DisplayName("an access token is not accepted as a refresh token: 401 token_invalid")
  void accessTokenIsNotARefreshToken() {
    Tokens login = actors.loginNewUser();

    HttpResponse<Buffer> response = actors.refresh(login.access());

    assertTokenRefused(response, "token_invalid");
  }

  @Test
  @DisplayName("a malformed refresh token gets 401 token_invalid")
  void malformedRefreshToken() {
    HttpResponse<Buffer> response = actors.refresh("abc");

    assertError(response, 401, "token_invalid");
  }

  @Test
  @DisplayName("a body without the refresh field gets 400 validation_failed on fields.refresh")
  void missingRefreshField() {
    HttpResponse<Buffer> response = app.post("/api/auth/refresh/", new JsonObject());

    assertValidationFailed(response, "refresh");
  }

  @Test
  @DisplayName("refresh tokens are stored hashed: token_hash is 64 hex characters, never the token itself")
  void storedHashed() {
    Actor account = actors.signUp("user");
    Tokens login = actors.login(account);
    Tokens rotated = Tokens.of(actors.refresh(login.refresh()));
    List<String> issued = List.of(login.refresh(), rotated.refresh());

    List<String> hashes = new ArrayList<>();
    for (Row row : db.query("SELECT token_hash FROM refresh_tokens WHERE user_id = $1", account.id())) {
      hashes.add(row.getString("token_hash"));
    }

    assertThat(hashes).hasSize(2);
    assertThat(hashes).allSatisfy(hash -> assertThat(hash).matches("[0-9a-f]{64}"));
    assertThat(hashes).doesNotContainAnyElementsOf(issued);
    Row raw = db.query("SELECT count(*) AS n FROM refresh_tokens t WHERE EXISTS "
        + "(SELECT 1 FROM unnest($1::text[]) AS issued(token) WHERE strpos(t::text, issued.token) > 0)",
        (Object) issued.toArray(String[]::new)).iterator().next();
    assertThat(raw.getLong("n")).as("rows holding a raw token in any column").isZero();
  }

  @Test
  @DisplayName("logout with a refresh token answers 204 with no body")
  void logout() {
    Tokens login = actors.loginNewUser();

    HttpResponse<Buffer> response = actors.logout(login.refresh());

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(response.body() == null || response.body().length() == 0).isTrue();
  }

  @Test
  @DisplayName("after logout the refresh token gets 401 token_invalid")
  void logoutRevokesToken() {
    Tokens login = actors.loginNewUser();
    assertThat(actors.logout(login.refresh()).statusCode()).isEqualTo(204);

    HttpResponse<Buffer> response = actors.refresh(login.refresh());

    assertTokenRefused(response, "token_invalid");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "true  | logout with a rotated refresh token revokes it: refreshing with it gets 401",
      "false | logout revokes the whole family: the token rotated from the same login then fails with 401"})
  void logoutRevokesTheRotatedToken(boolean withRotated, String description) {
    Tokens login = actors.loginNewUser();
    Tokens rotated = Tokens.of(actors.refresh(login.refresh()));
    assertThat(actors.logout((withRotated ? rotated : login).refresh()).statusCode()).isEqualTo(204);

    HttpResponse<Buffer> response = actors.refresh(rotated.refresh());

    assertError(response, 401, "token_invalid");
  }

  @Test
  @DisplayName("logout spares other logins: a refresh token from another login of the same user keeps working")
  void logoutSparesOtherFamilies() {
    AuthLogins logins = AuthLogins.ofOneUser(actors);
    assertThat(actors.logout(logins.first().refresh()).statusCode()).isEqualTo(204);

    HttpResponse<Buffer> response = actors.refresh(logins.second().refresh());

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("logout with something that is not a refresh token gets 401 token_invalid")
  void logoutWithAccessToken() {
    Tokens login = actors.loginNewUser();

    HttpResponse<Buffer> response = actors.logout(login.access());

    assertError(response, 401, "token_invalid");
  }
}
