package io.collab.auth;

import io.collab.common.ApiError;
import io.collab.common.BusFailure;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.JWTAuthHandler;

import java.util.List;

/**
 * Guards every operation the contract marks with {@code bearerAuth}: resolves the {@code Authorization: Bearer}
 * token with the {@link Authenticator} (valid, and its user still exists and is active), then counts the call
 * against the per-user rate limit. Registered as the contract's security handler, so it runs before request
 * validation: an anonymous caller learns nothing about the body rules.
 *
 * <p>It implements {@link JWTAuthHandler} only because the OpenAPI router binds bearer schemes to that type; scopes
 * are not used by collab.
 */
public final class AccessTokenHandler implements JWTAuthHandler {

  private final Authenticator authenticator;
  private final RateLimiter limiter;
  private final int perUserLimit;

  public AccessTokenHandler(Authenticator authenticator, RateLimiter limiter, int perUserLimit) {
    this.authenticator = authenticator;
    this.limiter = limiter;
    this.perUserLimit = perUserLimit;
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
  private Future<Principal> authenticate(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Future.failedFuture(AuthFailure.invalid("an Authorization: Bearer <access token> header is required"));
    }
    return authenticator.authenticate(authorization.substring(7).trim()).map(Authenticator.Authenticated::principal);
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
