package io.collab.auth;

import io.collab.config.CollabConfig;
import io.collab.common.ApiError;
import io.collab.common.Bus;
import io.collab.common.BusClient;
import io.collab.common.BusFailure;
import io.collab.common.ClientAddress;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.ValidatedRequest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/** The {@code /api/auth/*} operations of the contract: register, login, refresh, logout, me. */
public final class AuthRoutes {

  /** SimpleJWT's wording, which existing clients may show as it is. */
  static final String BAD_CREDENTIALS = "No active account found with the given credentials";

  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
  private static final Pattern USERNAME = Pattern.compile("[\\w.@+-]{1,150}", Pattern.UNICODE_CHARACTER_CLASS);

  private final Vertx vertx;
  private final CollabConfig config;
  private final TokenService tokens;
  private final PasswordHasher hasher;
  private final BusClient bus;
  private final RateLimiter limiter;
  /** Verified when the email is unknown, so both failures take about as long. */
  private final String decoyHash;

  public AuthRoutes(Vertx vertx, CollabConfig config, TokenService tokens, PasswordHasher hasher, BusClient bus,
                    RateLimiter limiter, String decoyHash) {
    this.vertx = vertx;
    this.config = config;
    this.tokens = tokens;
    this.hasher = hasher;
    this.bus = bus;
    this.limiter = limiter;
    this.decoyHash = decoyHash;
  }

  public void install(RouterBuilder routes) {
    routes.getRoute("register").addHandler(this::register);
    routes.getRoute("login").addHandler(this::login);
    routes.getRoute("refreshToken").addHandler(this::refresh);
    routes.getRoute("logout").addHandler(this::logout);
    routes.getRoute("currentUser").addHandler(this::currentUser);
  }

  private void register(RoutingContext ctx) {
    JsonObject body = body(ctx);
    String email = body.getString("email");
    String username = body.getString("username");
    String password = body.getString("password");
    limit(ctx, "register", email, config.rateLimit().registerPerWindow()).onSuccess(admitted -> {
      if (!admitted) {
        return;
      }
      Map<String, String> problems = registrationProblems(email, username, password);
      if (!problems.isEmpty()) {
        validationFailed(ctx, problems);
        return;
      }
      vertx.executeBlocking(() -> hasher.hash(password), false)
          .compose(hash -> bus.request(Bus.USERS_CREATE, new JsonObject()
              .put("email", email).put("username", username).put("password_hash", hash)))
          .onSuccess(user -> ctx.response().setStatusCode(201).putHeader("content-type", "application/json")
              .end(user.encode()))
          .onFailure(err -> {
            BusFailure failure = BusFailure.from(err);
            if (failure.code().equals("already_exists")) {
              validationFailed(ctx, taken(failure.getMessage()));
            } else {
              ApiError.fail(ctx, err);
            }
          });
    });
  }

  private void login(RoutingContext ctx) {
    JsonObject body = body(ctx);
    String email = body.getString("email");
    String password = body.getString("password");
    limit(ctx, "login", email, config.rateLimit().loginPerWindow()).onSuccess(admitted -> {
      if (!admitted) {
        return;
      }
      bus.request(Bus.USERS_CREDENTIALS, new JsonObject().put("email", email))
          .recover(err -> BusFailure.from(err).status() == 404 ? Future.succeededFuture(null) : Future.failedFuture(err))
          .compose(user -> vertx.executeBlocking(
                  () -> hasher.verify(password, user == null ? decoyHash : user.getString("password_hash")), false)
              .map(matches -> matches && user != null && Boolean.TRUE.equals(user.getBoolean("is_active")) ? user : null))
          .compose(user -> user == null
              ? Future.failedFuture(new BusFailure(401, "invalid_credentials", BAD_CREDENTIALS))
              : issuePair(Principal.fromJson(user), UUID.randomUUID().toString()))
          .onSuccess(ctx::json)
          .onFailure(err -> ApiError.fail(ctx, err));
    });
  }

  private void refresh(RoutingContext ctx) {
    String presented = body(ctx).getString("refresh");
    tokens.verify(presented, TokenService.REFRESH)
        .compose(claims -> {
          TokenService.IssuedRefresh next = tokens.refresh(claims.userId(), claims.familyId());
          JsonObject request = new JsonObject()
              .put("jti", claims.jti())
              .put("token_hash", TokenService.sha256(presented))
              .put("next", new JsonObject().put("jti", next.jti()).put("token_hash", next.tokenHash())
                  .put("expires_at", next.expiresAt()));
          return bus.request(Bus.TOKENS_ROTATE, request)
              .map(user -> new JsonObject()
                  .put("access", tokens.access(Principal.fromJson(user)))
                  .put("refresh", next.token()));
        })
        .onSuccess(ctx::json)
        .onFailure(err -> unauthorized(ctx, err));
  }

  private void logout(RoutingContext ctx) {
    String presented = body(ctx).getString("refresh");
    tokens.verifyIgnoringExpiry(presented, TokenService.REFRESH)
        .compose(claims -> bus.request(Bus.TOKENS_REVOKE_FAMILY, new JsonObject()
            .put("jti", claims.jti()).put("token_hash", TokenService.sha256(presented))))
        .onSuccess(revoked -> ctx.response().setStatusCode(204).end())
        .onFailure(err -> unauthorized(ctx, err));
  }

  private void currentUser(RoutingContext ctx) {
    ctx.json(Principal.of(ctx).toJson());
  }

  /** Stores the refresh token, then answers with the pair: a token the database does not know is never handed out. */
  private Future<JsonObject> issuePair(Principal user, String familyId) {
    TokenService.IssuedRefresh refresh = tokens.refresh(user.id(), familyId);
    return bus.request(Bus.TOKENS_ISSUE, new JsonObject()
            .put("jti", refresh.jti()).put("family_id", familyId).put("user_id", user.id())
            .put("token_hash", refresh.tokenHash()).put("expires_at", refresh.expiresAt()))
        .map(stored -> new JsonObject().put("access", tokens.access(user)).put("refresh", refresh.token()));
  }

  /** Counts the attempt per client IP and per account; answers 429 itself when over either limit. */
  private Future<Boolean> limit(RoutingContext ctx, String action, String email, int perWindow) {
    String ip = ClientAddress.of(ctx, config.http().trustForwardedFor());
    String account = email == null ? "" : email.toLowerCase(Locale.ROOT);
    return limiter.hitAll(List.of(action + ":ip:" + ip, action + ":acct:" + account), perWindow)
        .map(decision -> RateLimiter.admit(ctx, decision));
  }

  private Map<String, String> registrationProblems(String email, String username, String password) {
    Map<String, String> problems = new LinkedHashMap<>();
    if (!EMAIL.matcher(email).matches()) {
      problems.put("email", "enter a valid email address");
    }
    if (!USERNAME.matcher(username).matches()) {
      problems.put("username", "1 to 150 characters: letters, digits and @ . + - _ only");
    }
    if (password.length() < config.auth().passwordMinLength()) {
      problems.put("password", "at least " + config.auth().passwordMinLength() + " characters");
    }
    return problems;
  }

  private static Map<String, String> taken(String fields) {
    Map<String, String> problems = new LinkedHashMap<>();
    for (String field : fields.split(",")) {
      problems.put(field, "a user with this " + field + " already exists");
    }
    return problems;
  }

  private static void validationFailed(RoutingContext ctx, Map<String, String> problems) {
    ApiError.send(ctx, 400, ApiError.body("validation_failed", "the request has invalid fields")
        .put("fields", new JsonObject(new LinkedHashMap<>(problems))));
  }

  private static void unauthorized(RoutingContext ctx, Throwable err) {
    if (BusFailure.from(err).status() == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    }
    ApiError.fail(ctx, err);
  }

  private static JsonObject body(RoutingContext ctx) {
    ValidatedRequest request = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    return request.getBody().getJsonObject();
  }
}
