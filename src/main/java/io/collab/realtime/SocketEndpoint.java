package io.collab.realtime;

import io.collab.auth.Authenticator;
import io.collab.common.ApiError;
import io.collab.common.Bus;
import io.collab.common.BusFailure;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The seed-compatible socket endpoint {@code /ws/workspaces/{id}/?token=<access JWT>[&since=<seq>[&epoch=<epoch>]]}
 * ({@code since} and {@code epoch}: the client's last position, see {@link Delivery#start}). The handshake
 * is refused with 401 for a missing, invalid or expired token and with 403 for a workspace the user is not a
 * member of, or that does not exist (the same answer for both).
 */
public final class SocketEndpoint {

  private final SocketServices services;

  public SocketEndpoint(SocketServices services) {
    this.services = services;
  }

  public void mount(Router router) {
    router.get("/ws/workspaces/:id").handler(this::handshake);
  }

  private void handshake(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (!request.canUpgradeToWebSocket()) {
      ApiError.send(ctx, 400, "upgrade_required", "connect with a WebSocket client");
      return;
    }
    Long since = parseSince(request.getParam("since"));
    if (since != null && since < 0) {
      ApiError.send(ctx, 400, "validation_failed", "since must be a non-negative integer");
      return;
    }
    String sinceEpoch = since == null ? null : emptyAsNull(request.getParam("epoch"));
    long workspaceId = parseId(ctx.pathParam("id"));
    // Authentication is asynchronous: the upgrade request must not be consumed meanwhile.
    request.pause();
    services.tokens().authenticate(request.getParam("token"))
        .compose(who -> access(who, workspaceId))
        .compose(admitted -> services.broker().reachable().map(admitted))
        .onComplete(result -> {
          request.resume();
          if (result.failed()) {
            BusFailure failure = BusFailure.from(result.cause());
            ApiError.send(ctx, failure.status() == 404 ? 403 : failure.status(), failure.status() == 404
                ? ApiError.body("forbidden", "not a member of this workspace") : ApiError.body(failure.code(),
                failure.getMessage()));
            return;
          }
          request.toWebSocket().onSuccess(ws -> {
            Session session = new Session(services, ws, result.result().who(), workspaceId,
                result.result().role());
            FrameChecks.install(request.connection(), session::close);
            session.start(since, sinceEpoch);
          }).onFailure(ctx::fail);
        });
  }

  private record Admitted(Authenticator.Authenticated who, String role) {}

  private Future<Admitted> access(Authenticator.Authenticated who, long workspaceId) {
    if (workspaceId <= 0) {
      return Future.failedFuture(new BusFailure(404, "not_found", "no such workspace"));
    }
    return services.bus().request(Bus.WORKSPACE_ACCESS, new JsonObject()
            .put("user_id", who.principal().id()).put("workspace_id", workspaceId))
        .map(access -> new Admitted(who, access.getString("role")));
  }

  private static long parseId(String raw) {
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String emptyAsNull(String raw) {
    return raw == null || raw.isEmpty() ? null : raw;
  }

  private static Long parseSince(String raw) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      return -1L;
    }
  }
}
