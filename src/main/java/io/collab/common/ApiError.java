package io.collab.common;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The one error shape every HTTP answer uses: {@code {"error": "<stable_code>", "detail": "<message>"}}. */
public final class ApiError {

  private ApiError() {}

  public static JsonObject body(String code, String detail) {
    return new JsonObject().put("error", code).put("detail", detail);
  }

  public static void send(RoutingContext ctx, int status, String code, String detail) {
    send(ctx, status, body(code, detail));
  }

  public static void send(RoutingContext ctx, int status, JsonObject body) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }

  public static void send(RoutingContext ctx, BusFailure failure) {
    send(ctx, failure.status(), failure.code(), failure.getMessage());
  }
}
