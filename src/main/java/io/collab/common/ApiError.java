package io.collab.common;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one error shape every HTTP answer uses: {@code {"error": "<stable_code>", "detail": "<message>"}}. */
public final class ApiError {

  private static final Logger log = LoggerFactory.getLogger(ApiError.class);

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

  /** Answers with whatever {@code err} maps to; server-side failures are logged with the request id. */
  public static void fail(RoutingContext ctx, Throwable err) {
    BusFailure failure = BusFailure.from(err);
    if (failure.status() >= 500) {
      log.atWarn().addKeyValue("requestId", ctx.<String>get("requestId")).setCause(err instanceof BusFailure ? null : err)
          .log("{} {} failed: {} {}", ctx.request().method(), ctx.request().path(), failure.code(), failure.getMessage());
    }
    send(ctx, failure);
  }
}
