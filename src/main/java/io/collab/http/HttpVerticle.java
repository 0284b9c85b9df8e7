package io.collab.http;

import io.collab.app.CollabConfig;
import io.collab.common.ApiError;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge of an instance: one server on {@code http.port}, deployed in several instances that share the
 * listening socket. It always serves the operational routes (health, metrics); the REST API and the socket
 * endpoints are mounted according to the instance's roles.
 *
 * <p>Why one verticle and not one per role: Vert.x spreads the connections of a shared port round-robin over every
 * server bound to it, whatever the path, so two verticles cannot split one port by path.
 */
public class HttpVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);

  private CollabConfig config;
  private Redis redis;
  private Readiness readiness;
  private HttpServer server;

  @Override
  public Future<?> start() {
    config = CollabConfig.from(config());
    redis = Redis.createClient(vertx, config.redis().options());
    readiness = new Readiness(vertx, config, redis);

    Router router = Router.router(vertx);
    router.route().order(-100).handler(new RequestLog());
    router.route().order(-99).handler(BodyHandler.create(false).setBodyLimit(config.http().bodyLimit()));
    router.get("/health/live").handler(this::live);
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create());
    installErrorHandlers(router);

    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.http().host())
        .setPort(config.http().port())
        .setCompressionSupported(true)
        .setTcpNoDelay(true));
    return server.requestHandler(router).listen();
  }

  @Override
  public Future<?> stop() {
    return redis.close();
  }

  private void live(RoutingContext ctx) {
    ctx.json(new JsonObject().put("status", "UP"));
  }

  private void ready(RoutingContext ctx) {
    readiness.run().onSuccess(report -> ctx.response()
        .setStatusCode("UP".equals(report.getString("status")) ? 200 : 503)
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .end(report.encode()));
  }

  /** Every failure becomes the JSON error shape; nothing internal reaches a client. */
  private void installErrorHandlers(Router router) {
    router.errorHandler(400, ctx -> ApiError.send(ctx, 400, "bad_request", message(ctx, "the request is malformed")));
    router.errorHandler(401, ctx -> ApiError.send(ctx, 401, "unauthorized", "authentication is required"));
    router.errorHandler(403, ctx -> ApiError.send(ctx, 403, "forbidden", "you may not do this"));
    router.errorHandler(404, ctx -> ApiError.send(ctx, 404, "not_found", "no such resource"));
    router.errorHandler(405, ctx -> ApiError.send(ctx, 405, "method_not_allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> ApiError.send(ctx, 413, "payload_too_large",
        "the request body exceeds " + config.http().bodyLimit() + " bytes"));
    router.errorHandler(500, this::internalError);
  }

  private void internalError(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof HttpException http && http.getStatusCode() != 500) {
      ApiError.send(ctx, http.getStatusCode(), "http_" + http.getStatusCode(), String.valueOf(http.getPayload()));
      return;
    }
    log.atError().addKeyValue("requestId", RequestLog.id(ctx)).setCause(failure)
        .log("unhandled failure on {} {}", ctx.request().method(), ctx.request().path());
    ApiError.send(ctx, 500, "internal_error", "something went wrong; quote request id " + RequestLog.id(ctx));
  }

  private static String message(RoutingContext ctx, String fallback) {
    Throwable failure = ctx.failure();
    if (failure instanceof HttpException http && http.getPayload() != null) {
      return http.getPayload();
    }
    return fallback;
  }
}
