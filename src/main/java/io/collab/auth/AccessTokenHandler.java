package io.collab.auth;

import io.collab.config.CollabConfig;
import io.collab.common.ApiError;
import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.collab.common.BusFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.JWTAuthHandler;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Guards every operation the contract marks with {@code bearerAuth}: checks the access token, checks that its user
 * still exists and is active, then counts the call against the per-user rate limit. Registered as the contract's
 * security handler, so it runs before request validation: an anonymous caller learns nothing about the body rules.
 *
 * <p>That a user is active is remembered for {@code auth.activeUserCacheMs}: without it every authenticated request
 * cost a PostgreSQL round trip; with it a deactivated or deleted user's tokens stop working within that time. Only
 * the positive answer is remembered, so a user who is let back in is not kept out.
 *
 * <p>It implements {@link JWTAuthHandler} only because the OpenAPI router binds bearer schemes to that type; scopes
 * are not used by collab.
 */
public final class AccessTokenHandler implements JWTAuthHandler {

  private final TokenService tokens;
  private final BusClient bus;
  private final RateLimiter limiter;
  private final int perUserLimit;
  private final long activeUserCacheMs;
  private final int activeUserCacheEntries;
  private final Map<Long, ActiveUser> activeUsers = new ConcurrentHashMap<>();

  private record ActiveUser(JsonObject user, long checkedAt) {}

  public AccessTokenHandler(TokenService tokens, BusClient bus, RateLimiter limiter, int perUserLimit,
                            CollabConfig.Auth settings) {
    this.tokens = tokens;
    this.bus = bus;
    this.limiter = limiter;
    this.perUserLimit = perUserLimit;
    this.activeUserCacheMs = settings.activeUserCacheMs();
    this.activeUserCacheEntries = settings.activeUserCacheEntries();
  }

  @Override
  public void handle(RoutingContext ctx) {
    authenticate(ctx.request().getHeader("Authorization"))
        .compose(principal -> limiter.hit("user:" + principal.id(), perUserLimit).map(decision -> {
          if (RateLimiter.admit(ctx, decision)) {
            principal.attachTo(ctx);
            ctx.next();
          }
          return null;
        }))
        .onFailure(err -> refuse(ctx, BusFailure.from(err)));
  }

  /** Resolves an {@code Authorization} header to the active user it names. */
  public Future<Principal> authenticate(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Future.failedFuture(AuthFailure.invalid("an Authorization: Bearer <access token> header is required"));
    }
    return authenticateToken(authorization.substring(7).trim());
  }

  /** Resolves a bare access token to the active user it names. */
  public Future<Principal> authenticateToken(String token) {
    return authenticateSession(token).map(Authenticated::principal);
  }

  /** A checked access token: whose it is, and until when it is valid (epoch seconds). */
  public record Authenticated(Principal principal, long expiresAt) {}

  /** Like {@link #authenticateToken} but keeps the expiry: sockets outlive requests and must watch it. */
  public Future<Authenticated> authenticateSession(String token) {
    return tokens.verify(token, TokenService.ACCESS)
        .compose(claims -> activeUser(claims.userId())
            .map(user -> new Authenticated(Principal.fromJson(user), claims.expiresAt())));
  }

  private Future<JsonObject> activeUser(long id) {
    long now = System.nanoTime();
    ActiveUser known = activeUsers.get(id);
    if (known != null && now - known.checkedAt() < activeUserCacheMs * 1_000_000) {
      return Future.succeededFuture(known.user());
    }
    return bus.request(Bus.USERS_GET, new JsonObject().put("id", id))
        .recover(err -> {
          activeUsers.remove(id);
          BusFailure failure = BusFailure.from(err);
          return Future.failedFuture(failure.status() == 404
              ? AuthFailure.invalid("the token's user no longer exists") : failure);
        })
        .compose(user -> {
          if (!Boolean.TRUE.equals(user.getBoolean("is_active"))) {
            activeUsers.remove(id);
            return Future.failedFuture(AuthFailure.invalid("the token's user is deactivated"));
          }
          if (activeUserCacheMs > 0) {
            if (activeUsers.size() >= activeUserCacheEntries) {
              activeUsers.clear(); // crude but bounded; it refills from the requests that follow
            }
            activeUsers.put(id, new ActiveUser(user, now));
          }
          return Future.succeededFuture(user);
        });
  }

  private static void refuse(RoutingContext ctx, BusFailure failure) {
    if (failure.status() == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    }
    ApiError.send(ctx, failure);
  }

  @Override
  public JWTAuthHandler scopeDelimiter(String delimiter) {
    throw new UnsupportedOperationException("collab tokens carry no scopes");
  }

  @Override
  public JWTAuthHandler withScope(String scope) {
    throw new UnsupportedOperationException("collab tokens carry no scopes");
  }

  @Override
  public JWTAuthHandler withScopes(List<String> scopes) {
    throw new UnsupportedOperationException("collab tokens carry no scopes");
  }
}
