package io.collab.http;

import io.collab.config.CollabConfig;
import io.collab.config.NodeRole;
import io.collab.auth.AccessTokenHandler;
import io.collab.auth.Authenticator;
import io.collab.auth.AuthRoutes;
import io.collab.auth.PasswordHasher;
import io.collab.auth.RateLimiter;
import io.collab.auth.TokenService;
import io.collab.common.ApiError;
import io.collab.common.BusClient;
import io.collab.common.ClusterEvents;
import io.collab.jobs.JobQueue;
import io.collab.jobs.JobRoutes;
import io.collab.realtime.BridgeEndpoint;
import io.collab.realtime.Broker;
import io.collab.realtime.Presence;
import io.collab.realtime.SocketEndpoint;
import io.collab.realtime.SocketHub;
import io.collab.realtime.SocketServices;
import io.collab.workspace.FileRoutes;
import io.collab.workspace.ProjectRoutes;
import io.collab.workspace.WorkspaceRoutes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * The HTTP edge of an instance: one server on {@code http.port}, deployed in several instances that share the
 * listening socket. Its routes come from {@code openapi.yaml} (a route that is not in the contract does not exist);
 * it always serves the operational routes (health, metrics) and mounts the REST API when the {@code api} role is on.
 *
 * <p>Why one verticle and not one per role: Vert.x spreads the connections of a shared port round-robin over every
 * server bound to it, whatever the path, so two verticles cannot split one port by path.
 */
public class HttpVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);
  private static final Set<HttpMethod> WITH_BODY = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
      HttpMethod.DELETE);

  private CollabConfig config;
  private Redis redis;
  private BusClient bus;
  private Readiness readiness;
  private HttpServer server;
  private SocketHub hub;
  private BridgeEndpoint bridge;

  @Override
  public Future<?> start() {
    config = CollabConfig.from(config());
    redis = config.redis().client(vertx);
    bus = new BusClient(vertx, config.has(NodeRole.PERSISTENCE), config.busRequestTimeoutMs());
    readiness = new Readiness(config, redis, bus, vertx);
    return OpenAPIContract.from(vertx, ContractRoutes.CONTRACT)
        .compose(this::routes)
        .compose(this::listen);
  }

  @Override
  public Future<?> stop() {
    Future<Void> sockets = hub == null ? Future.succeededFuture() : Future.all(hub.close(), bridge.close()).mapEmpty();
    return sockets.eventually(() -> redis.close());
  }

  /** The REST API when the api role is on, the socket endpoints when the realtime role is on, probes always. */
  private Future<Router> routes(OpenAPIContract contract) {
    if (!config.has(NodeRole.API) && !config.has(NodeRole.REALTIME)) {
      return opsRouter();
    }
    RateLimiter limiter = new RateLimiter(redis, config.redis().keyPrefix(), config.rateLimit().windowSeconds());
    return TokenService.create(vertx, config.jwt()).compose(tokens -> {
      Authenticator authenticator = new Authenticator(tokens, bus, config.auth());
      AccessTokenHandler accessTokens =
          new AccessTokenHandler(authenticator, limiter, config.rateLimit().userPerWindow());
      Future<Router> router = config.has(NodeRole.API) ? apiRouter(contract, tokens, accessTokens, limiter) : opsRouter();
      return router.map(built -> {
        if (config.has(NodeRole.REALTIME)) {
          mountSockets(built, authenticator);
        }
        return built;
      });
    });
  }

  /** The whole contract: auth, projects and workspaces, health, plus the contract, Swagger UI and the browser app. */
  private Future<Router> apiRouter(OpenAPIContract contract, TokenService tokens, AccessTokenHandler accessTokens,
                                   RateLimiter limiter) {
    PasswordHasher hasher = new PasswordHasher(config.auth());
    Future<String> decoyHash = vertx.executeBlocking(() -> hasher.hash("decoy password for unknown emails"), false);
    Future<ContractRoutes> contractRoutes = ContractRoutes.load(vertx, contract);
    Future<WebApp> webApp = WebApp.load(vertx);
    return Future.all(decoyHash, contractRoutes, webApp).map(loaded -> {
      RequestExtractor extractor = RequestExtractor.withBodyHandler();
      RouterBuilder routes = RouterBuilder.create(vertx, contract, extractor);
      routes.security("bearerAuth").httpHandler(accessTokens);
      OperationValidator.install(routes, contract, extractor);
      routes.getRoute("liveness").addHandler(this::live);
      routes.getRoute("readiness").addHandler(this::ready);
      new AuthRoutes(vertx, config, tokens, hasher, bus, limiter, decoyHash.result()).install(routes);
      new ProjectRoutes(bus, config.api().maxPageSize()).install(routes);
      new WorkspaceRoutes(bus, config.api().maxPageSize()).install(routes);
      new FileRoutes(bus, new Broker(redis, config.redis(), config.realtime())).install(routes);
      new JobRoutes(vertx, config.jobs(), bus, new JobQueue(redis, config.redis(), config.jobs().streamMaxLength()),
          events()).install(routes);
      Router router = routes.createRouter();
      contractRoutes.result().mount(router);
      if (webApp.result() != null) {
        webApp.result().mount(router);
      }
      return router;
    });
  }

  /** The seed-compatible WebSocket endpoint and the SockJS bridge, sharing this instance's hub. */
  private void mountSockets(Router router, Authenticator authenticator) {
    Broker broker = new Broker(redis, config.redis(), config.realtime());
    hub = new SocketHub(vertx, broker, new Presence(redis, config.redis(), config.realtime()), bus, config.realtime(),
        events());
    SocketServices sockets = new SocketServices(vertx, config.realtime(), authenticator, bus, broker, hub);
    new SocketEndpoint(sockets).mount(router);
    bridge = new BridgeEndpoint(sockets);
    bridge.mount(router);
  }

  private ClusterEvents events() {
    return new ClusterEvents(vertx.eventBus(), config.deployment().id());
  }

  /** A node without the api role still answers probes and scrapes. */
  private Future<Router> opsRouter() {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(this::live);
    router.get("/health/ready").handler(this::ready);
    return Future.succeededFuture(router);
  }

  private Future<HttpServer> listen(Router router) {
    router.route().order(-100).handler(new RequestLog());
    // Only methods that carry a body get one read: BodyHandler refuses (500) a GET or HEAD whose Content-Type is a
    // form, and a body on them means nothing here; it is left unread.
    // (A route restricted by method would turn every unknown path into a 405, hence the test inside the handler.)
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(config.http().bodyLimit());
    router.route().order(-99).handler(ctx -> {
      if (WITH_BODY.contains(ctx.request().method())) {
        bodies.handle(ctx);
      } else {
        ctx.next();
      }
    });
    router.get("/metrics").handler(PrometheusScrapingHandler.create(config.metricsRegistry()));
    installErrorHandlers(router);
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.http().host())
        .setPort(config.http().port())
        .setCompressionSupported(true)
        .setTcpNoDelay(true)
        // permessage-deflate keeps ~95 KB of native zlib state per socket: a setting, off unless chosen
        .setPerMessageWebSocketCompressionSupported(config.realtime().compression())
        .setPerFrameWebSocketCompressionSupported(config.realtime().compression())
        .setMaxWebSocketFrameSize(config.realtime().maxFrameBytes())
        .setMaxWebSocketMessageSize(config.realtime().maxFrameBytes()));
    return server.requestHandler(router).listen();
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
    router.errorHandler(400, this::badRequest);
    router.errorHandler(401, ctx -> ApiError.send(ctx, 401, "token_invalid", "authentication is required"));
    router.errorHandler(403, ctx -> ApiError.send(ctx, 403, "forbidden", "you may not do this"));
    router.errorHandler(404, ctx -> ApiError.send(ctx, 404, "not_found", "no such resource"));
    router.errorHandler(405, ctx -> ApiError.send(ctx, 405, "method_not_allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> ApiError.send(ctx, 413, "payload_too_large",
        "the request body exceeds " + config.http().bodyLimit() + " bytes"));
    router.errorHandler(415, ctx -> ApiError.send(ctx, 415, "unsupported_media_type",
        "send the body as application/json"));
    router.errorHandler(500, this::internalError);
    router.errorHandler(503, ctx -> ApiError.send(ctx, 503, "service_unavailable", "try again shortly"));
  }

  private void badRequest(RoutingContext ctx) {
    JsonObject validation = ValidationErrors.body(ctx.failure());
    if (validation != null) {
      ApiError.send(ctx, 400, validation);
    } else {
      ApiError.send(ctx, 400, "bad_request", message(ctx, "the request is malformed"));
    }
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
