package io.collab.auth;

import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.collab.common.BusFailure;
import io.collab.config.CollabConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a bare access token into the active user it names, with the token's expiry, or a 401 {@link BusFailure}
 * ({@code token_invalid}/{@code token_expired}). Transport-free: HTTP requests reach it through
 * {@link AccessTokenHandler}, sockets (handshake, {@code auth} message, bridge headers) call it directly.
 *
 * <p>That a user is active is remembered for {@code auth.activeUserCacheMs}: without it every authenticated request
 * cost a PostgreSQL round trip; with it a deactivated or deleted user's tokens stop working within that time. Only
 * the positive answer is remembered, so a user who is let back in is not kept out.
 */
public final class Authenticator {

  /** A checked access token: whose it is, and until when it is valid (epoch seconds). */
  public record Authenticated(Principal principal, long expiresAt) {}

  private record ActiveUser(JsonObject user, long checkedAt) {}

  private final TokenService tokens;
  private final BusClient bus;
  private final long activeUserCacheMs;
  private final int activeUserCacheEntries;
  private final Map<Long, ActiveUser> activeUsers = new ConcurrentHashMap<>();

  public Authenticator(TokenService tokens, BusClient bus, CollabConfig.Auth settings) {
    this.tokens = tokens;
    this.bus = bus;
    this.activeUserCacheMs = settings.activeUserCacheMs();
    this.activeUserCacheEntries = settings.activeUserCacheEntries();
  }

  /** The active user an access token names, and the token's expiry; sockets outlive requests and must watch it. */
  public Future<Authenticated> authenticate(String accessToken) {
    return tokens.verify(accessToken, TokenService.ACCESS)
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
}
