package io.collab.auth;

import io.collab.config.CollabConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Issues and checks the two kinds of JWT: short-lived access tokens and single-use refresh tokens. Every check
 * enforces the signature (never {@code alg: none}: keys are always configured), issuer, audience, expiry and the
 * {@code token_type} claim, so a refresh token is never accepted as an access token or the other way round.
 */
public final class TokenService {

  public static final String ACCESS = "access";
  public static final String REFRESH = "refresh";

  /** Clock skew tolerated between instances. */
  private static final long LEEWAY_SECONDS = 2;

  /** What a valid token says. {@code familyId} is only set on refresh tokens. */
  public record Claims(long userId, String email, String jti, String familyId, String type, long expiresAt) {}

  /** A signed refresh token and what the database keeps of it. */
  public record IssuedRefresh(String token, String jti, String tokenHash, long expiresAt) {}

  private final CollabConfig.Jwt settings;
  private final JWTAuth strict;
  private final JWTAuth ignoringExpiry;

  private TokenService(CollabConfig.Jwt settings, JWTAuth strict, JWTAuth ignoringExpiry) {
    this.settings = settings;
    this.strict = strict;
    this.ignoringExpiry = ignoringExpiry;
  }

  /** Reads the key files (RS256/ES256) without blocking, or uses the HS256 secret. */
  public static Future<TokenService> create(Vertx vertx, CollabConfig.Jwt settings) {
    Future<List<PubSecKeyOptions>> keys;
    if (settings.algorithm().equals("HS256")) {
      if (settings.secret().isBlank()) {
        // Without keys vertx-auth-jwt would run "unsecure" and accept unsigned tokens: refuse to start instead.
        return Future.failedFuture(new IllegalStateException("jwt.secret is required for HS256"));
      }
      keys = Future.succeededFuture(List.of(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(settings.secret())));
    } else {
      keys = Future.all(vertx.fileSystem().readFile(settings.publicKeyFile()),
              vertx.fileSystem().readFile(settings.privateKeyFile()))
          .map(files -> List.of(
              new PubSecKeyOptions().setAlgorithm(settings.algorithm()).setBuffer(files.<Buffer>resultAt(0)),
              new PubSecKeyOptions().setAlgorithm(settings.algorithm()).setBuffer(files.<Buffer>resultAt(1))));
    }
    return keys.map(pubSecKeys -> {
      JWTOptions verify = new JWTOptions()
          .setAlgorithm(settings.algorithm())
          .setIssuer(settings.issuer())
          .setAudience(List.of(settings.audience()))
          .setLeeway((int) LEEWAY_SECONDS);
      JWTAuth strict = JWTAuth.create(vertx, new JWTAuthOptions().setPubSecKeys(pubSecKeys).setJWTOptions(verify));
      JWTAuth lenient = JWTAuth.create(vertx, new JWTAuthOptions().setPubSecKeys(pubSecKeys)
          .setJWTOptions(new JWTOptions(verify).setIgnoreExpiration(true)));
      return new TokenService(settings, strict, lenient);
    });
  }

  public String access(Principal user) {
    JsonObject claims = new JsonObject()
        .put("sub", String.valueOf(user.id()))
        .put("user_id", user.id())
        .put("email", user.email())
        .put("token_type", ACCESS)
        .put("jti", UUID.randomUUID().toString());
    return strict.generateToken(claims, signing(settings.accessTtlSeconds()));
  }

  public IssuedRefresh refresh(long userId, String familyId) {
    String jti = UUID.randomUUID().toString();
    JsonObject claims = new JsonObject()
        .put("sub", String.valueOf(userId))
        .put("user_id", userId)
        .put("token_type", REFRESH)
        .put("jti", jti)
        .put("fam", familyId);
    String token = strict.generateToken(claims, signing(settings.refreshTtlSeconds()));
    long expiresAt = Instant.now().getEpochSecond() + settings.refreshTtlSeconds();
    return new IssuedRefresh(token, jti, sha256(token), expiresAt);
  }

  /** Checks a token of the expected type; fails with a 401 {@code token_invalid} or {@code token_expired}. */
  public Future<Claims> verify(String token, String expectedType) {
    return check(strict, token, expectedType);
  }

  /** Like {@link #verify} but accepts an expired token: logging out with a stale refresh token must still work. */
  public Future<Claims> verifyIgnoringExpiry(String token, String expectedType) {
    return check(ignoringExpiry, token, expectedType);
  }

  public static String sha256(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** vertx-auth-jwt moves {@code exp} from the principal to the attributes; look in both. */
  private static long expiry(JsonObject principal, JsonObject attributes) {
    Long exp = principal.getLong("exp");
    if (exp == null && attributes != null) {
      exp = attributes.getLong("exp");
    }
    return exp == null ? 0L : exp;
  }

  private JWTOptions signing(int ttlSeconds) {
    return new JWTOptions()
        .setAlgorithm(settings.algorithm())
        .setExpiresInSeconds(ttlSeconds)
        .setIssuer(settings.issuer())
        .setAudience(List.of(settings.audience()));
  }

  private static Future<Claims> check(JWTAuth auth, String token, String expectedType) {
    if (token == null || token.isBlank() || token.length() > 8192) {
      return Future.failedFuture(AuthFailure.invalid("a token is required"));
    }
    return auth.authenticate(new TokenCredentials(token))
        .recover(err -> {
          String message = String.valueOf(err.getMessage());
          return Future.failedFuture(message.contains("expired")
              ? AuthFailure.expired("the token has expired")
              : AuthFailure.invalid("the token is not valid"));
        })
        .compose(user -> {
          JsonObject claims = user.principal();
          if (!expectedType.equals(claims.getString("token_type"))) {
            return Future.failedFuture(AuthFailure.invalid("expected a token of type " + expectedType));
          }
          Object userId = claims.getValue("user_id");
          String jti = claims.getString("jti");
          if (!(userId instanceof Number) || jti == null) {
            return Future.failedFuture(AuthFailure.invalid("the token lacks required claims"));
          }
          return Future.succeededFuture(new Claims(((Number) userId).longValue(), claims.getString("email"), jti,
              claims.getString("fam"), expectedType, expiry(claims, user.attributes())));
        });
  }
}
