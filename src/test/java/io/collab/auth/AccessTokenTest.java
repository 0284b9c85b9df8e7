package io.collab.auth;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.Actors.Tokens;
import io.collab.support.CollabTest;
import io.collab.support.Database;
import io.collab.support.Jwt;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.UUID;

import static io.collab.support.AuthRefusals.assertTokenRefused;
import static io.collab.support.Pause.sleep;
import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("Access tokens on GET /api/auth/me/")
class AccessTokenTest {

  private TestApp app;
  private Actors actors;
  private Database db;
  private String secret;

  @BeforeAll
  void readSecret() {
    secret = app.config.getJsonObject("jwt").getString("secret");
  }

  @Test
  @DisplayName("carry sub, user_id, email, token_type=access, jti, iat, exp, iss and aud")
  void claims() {
    Actor account = actors.signUp("user");
    long before = Instant.now().getEpochSecond();
    Tokens tokens = actors.login(account);

    JsonObject claims = Jwt.payload(tokens.access());

    assertThat(claims.fieldNames()).contains("sub", "user_id", "email", "token_type", "jti", "iat", "exp", "iss", "aud");
    assertThat(claims.getString("sub")).isEqualTo(String.valueOf(account.id()));
    assertThat(claims.getLong("user_id")).isEqualTo(account.id());
    assertThat(claims.getString("email")).isEqualTo(account.email());
    assertThat(claims.getString("token_type")).isEqualTo("access");
    assertThat(claims.getString("jti")).isNotBlank();
    assertThat(claims.getString("iss")).isEqualTo(app.config.getJsonObject("jwt").getString("issuer"));
    assertThat(String.valueOf(claims.getValue("aud"))).contains(app.config.getJsonObject("jwt").getString("audience"));
    assertThat(claims.getLong("iat")).isBetween(before - 5, Instant.now().getEpochSecond() + 5);
    assertThat(claims.getLong("exp") - claims.getLong("iat"))
        .isEqualTo(app.config.getJsonObject("jwt").getInteger("accessTtlSeconds").longValue());
    assertThat(Jwt.header(tokens.access()).getString("alg")).isEqualTo("HS256");
  }

  @Test
  @DisplayName("the refresh token is marked token_type=refresh and has its own jti")
  void refreshClaims() {
    Tokens tokens = actors.loginNewUser();

    JsonObject access = Jwt.payload(tokens.access());
    JsonObject refresh = Jwt.payload(tokens.refresh());

    assertThat(refresh.getString("token_type")).isEqualTo("refresh");
    assertThat(refresh.getString("jti")).isNotBlank().isNotEqualTo(access.getString("jti"));
    assertThat(refresh.getLong("user_id")).isEqualTo(access.getLong("user_id"));
  }

  @Test
  @DisplayName("a token re-signed with the service's own key and unchanged claims is accepted (control for the forgeries)")
  void resignedTokenIsAccepted() {
    Tokens tokens = actors.loginNewUser();
    String resigned = Jwt.signHs256(app.vertx, secret, Jwt.payload(tokens.access()));

    assertThat(actors.me(resigned).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("no Authorization header: 401 token_invalid with WWW-Authenticate")
  void missingHeader() {
    assertTokenRefused(app.get("/api/auth/me/"), "token_invalid");
  }

  @Test
  @DisplayName("an Authorization header that is not Bearer: 401 token_invalid with WWW-Authenticate")
  void notBearer() {
    HttpResponse<Buffer> response = app.send(app.web.get("/api/auth/me/")
        .putHeader("Authorization", "Basic dXNlcjpwYXNz"));

    assertTokenRefused(response, "token_invalid");
  }

  @Test
  @DisplayName("a malformed token (abc): 401 token_invalid with WWW-Authenticate")
  void malformedToken() {
    assertTokenRefused(actors.me("abc"), "token_invalid");
  }

  @Test
  @DisplayName("an unsigned alg=none token with valid-looking claims: 401 token_invalid with WWW-Authenticate")
  void algNone() {
    Tokens tokens = actors.loginNewUser();

    String unsigned = Jwt.unsigned(Jwt.payload(tokens.access()));

    assertTokenRefused(actors.me(unsigned), "token_invalid");
  }

  @Test
  @DisplayName("a token signed with another key: 401 token_invalid with WWW-Authenticate")
  void wrongKey() {
    Tokens tokens = actors.loginNewUser();

    String forged = Jwt.signHs256(app.vertx, "another-secret-" + UUID.randomUUID() + UUID.randomUUID(),
        Jwt.payload(tokens.access()));

    assertTokenRefused(actors.me(forged), "token_invalid");
  }

  @ParameterizedTest(name = "{2}")
  @CsvSource(delimiter = '|', value = {
      "iss | someone-else | a token from another issuer, signed with the service's key: 401 token_invalid with WWW-Authenticate",
      "aud | another-api  | a token for another audience, signed with the service's key: 401 token_invalid with WWW-Authenticate"})
  void wrongClaim(String claim, String value, String description) {
    Tokens tokens = actors.loginNewUser();

    String forged = Jwt.signHs256(app.vertx, secret, Jwt.payload(tokens.access()).put(claim, value));

    assertTokenRefused(actors.me(forged), "token_invalid");
  }

  @Test
  @DisplayName("an expired token, signed with the service's key: 401 token_expired with WWW-Authenticate")
  void expired() {
    Tokens tokens = actors.loginNewUser();
    long now = Instant.now().getEpochSecond();

    String stale = Jwt.signHs256(app.vertx, secret, Jwt.payload(tokens.access())
        .put("iat", now - 3600).put("exp", now - 60));

    assertTokenRefused(actors.me(stale), "token_expired");
  }

  @Test
  @DisplayName("a refresh token used as an access token: 401 token_invalid with WWW-Authenticate")
  void refreshTokenAsAccessToken() {
    Tokens tokens = actors.loginNewUser();

    assertTokenRefused(actors.me(tokens.refresh()), "token_invalid");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "DELETE FROM users WHERE id = $1 | a valid token of a user deleted since: 401 token_invalid with WWW-Authenticate, within auth.activeUserCacheMs",
      "UPDATE users SET is_active = false WHERE id = $1 | a valid token of a user deactivated since: 401 token_invalid with WWW-Authenticate, within auth.activeUserCacheMs"})
  void userGoneSince(String sql, String description) {
    Actor account = actors.signUp("user");
    Tokens tokens = actors.login(account);
    assertThat(actors.me(tokens.access()).statusCode()).isEqualTo(200);

    db.query(sql, account.id());

    assertTokenRefused(meOnceRefused(tokens.access()), "token_invalid");
  }

  /**
   * Asks {@code /api/auth/me/} until it is refused: an instance trusts that a user is active for
   * {@code auth.activeUserCacheMs} (default 2000), so the refusal must come within that time, not at once.
   */
  private HttpResponse<Buffer> meOnceRefused(String token) {
    long cacheNanos = app.config.getJsonObject("auth").getLong("activeUserCacheMs") * 1_000_000;
    long started = System.nanoTime();
    HttpResponse<Buffer> response = actors.me(token);
    while (response.statusCode() == 200 && System.nanoTime() - started < cacheNanos + 1_500_000_000L) {
      sleep(100);
      response = actors.me(token);
    }
    assertThat(System.nanoTime() - started).as("refused within auth.activeUserCacheMs")
        .isLessThan(cacheNanos + 1_000_000_000L);
    return response;
  }

  @Test
  @DisplayName("the refresh token of a user deactivated since no longer rotates: 401 token_invalid")
  void deactivatedUserCannotRefresh() {
    Actor account = actors.signUp("user");
    Tokens tokens = actors.login(account);

    db.query("UPDATE users SET is_active = false WHERE id = $1", account.id());

    assertTokenRefused(actors.refresh(tokens.refresh()), "token_invalid");
  }
}
