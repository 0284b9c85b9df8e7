package io.collab.common;

import io.vertx.core.eventbus.DeliveryOptions;

/**
 * The event-bus contract: every address collab uses and the shape of what travels on it. Bodies are always
 * {@link io.vertx.core.json.JsonObject}s so they cross the cluster without custom codecs.
 *
 * <p>Failures are replied with {@code message.fail(status, code)}: {@code status} is the HTTP status the API answers
 * with, {@code code} the stable error code, optionally followed by {@code ": "} and a human-readable detail. See
 * {@link BusFailure}.
 */
public final class Bus {

  private Bus() {}

  /**
   * Request {@code {}}; reply {@code {"ok": true, "deployment": "<persistence deployment id>"}} once PostgreSQL
   * answered {@code SELECT 1}; fails 503 {@code postgres_unavailable} otherwise.
   */
  public static final String PERSISTENCE_PING = "collab.persistence.ping";

  // ---- users ----------------------------------------------------------------------------------------------------

  /**
   * Request {@code {"email", "username", "password_hash"}}; reply {@code {"id", "email", "username"}}. Fails 409
   * {@code already_exists} with the comma-separated taken fields ({@code email}, {@code username}) as detail.
   */
  public static final String USERS_CREATE = "collab.users.create";

  /**
   * Request {@code {"email"}} (any case); reply {@code {"id", "email", "username", "password_hash", "is_active"}}.
   * Fails 404 {@code not_found}.
   */
  public static final String USERS_CREDENTIALS = "collab.users.credentials";

  /** Request {@code {"id"}}; reply {@code {"id", "email", "username", "is_active"}}. Fails 404 {@code not_found}. */
  public static final String USERS_GET = "collab.users.get";

  // ---- refresh tokens ---------------------------------------------------------------------------------------------

  /**
   * Stores a newly issued refresh token. Request {@code {"jti", "family_id", "user_id", "token_hash", "expires_at"}}
   * ({@code expires_at} in epoch seconds); reply {@code {}}.
   */
  public static final String TOKENS_ISSUE = "collab.tokens.issue";

  /**
   * Consumes a refresh token and stores its successor in the same family, atomically. Request
   * {@code {"jti", "token_hash", "next": {"jti", "token_hash", "expires_at"}}}; reply the user {@code {"id", "email",
   * "username"}}. Fails 401 {@code token_invalid} for an unknown, revoked or reused token (reuse revokes the whole
   * family first) and for a deactivated user.
   */
  public static final String TOKENS_ROTATE = "collab.tokens.rotate";

  /**
   * Revokes the family of a refresh token. Request {@code {"jti", "token_hash"}}; reply {@code {"revoked": n}}.
   * Fails 401 {@code token_invalid} when the token is unknown.
   */
  public static final String TOKENS_REVOKE_FAMILY = "collab.tokens.revokeFamily";

  /**
   * Node-local twin of a persistence address. Persistence verticles consume both; callers on a node that runs
   * persistence use the local one, so the hot request path never crosses the cluster when it does not have to.
   */
  public static String local(String address) {
    return "local." + address;
  }

  public static DeliveryOptions timeout(long millis) {
    return new DeliveryOptions().setSendTimeout(millis);
  }
}
