package io.collab.support;

import io.collab.app.ClusterSetup;
import io.collab.config.CollabConfig;
import io.collab.app.MainVerticle;
import io.collab.app.Preflight;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.function.Consumer;

/** The real service, deployed into a test's Vert.x instance, plus a client that talks to it over HTTP. */
public final class TestApp {

  public final Vertx vertx;
  public final JsonObject config;
  public final int port;
  public final WebClient web;
  private final String deploymentId;

  private TestApp(Vertx vertx, JsonObject config, String deploymentId) {
    this.vertx = vertx;
    this.config = config;
    this.port = config.getJsonObject("http").getInteger("port");
    this.deploymentId = deploymentId;
    this.web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  /**
   * Deploys every role against fresh test services, in a Vert.x instance built with the production options (metrics
   * on) but not clustered. Call from a non Vert.x thread: it waits. Like {@code start}, it first learns the
   * deployment id ({@link Preflight#identify}), so {@link #config} holds it and the key prefix derived from it, as a
   * {@code start} process on the same database and Redis would.
   */
  public static TestApp start() {
    return start(config -> { });
  }

  public static TestApp start(Consumer<JsonObject> tweak) {
    JsonObject config = TestServices.config();
    tweak.accept(config);
    Preflight.identify(config, CollabConfig.from(config));
    Vertx vertx = Vertx.builder().with(ClusterSetup.vertxOptions(CollabConfig.from(config))).build();
    String id = vertx.deployVerticle(MainVerticle.class, new DeploymentOptions().setConfig(config)).await();
    return new TestApp(vertx, config, id);
  }

  /**
   * Another instance of {@code first}'s deployment: its database, Redis database and JWT secret, its own HTTP port and
   * Vert.x instance; {@code tweak} may change the rest.
   */
  public static TestApp startAlongside(TestApp first, Consumer<JsonObject> tweak) {
    return start(config -> {
      config.getJsonObject("pg").put("url", first.config.getJsonObject("pg").getString("url"));
      config.getJsonObject("redis").put("url", first.config.getJsonObject("redis").getString("url"));
      config.getJsonObject("jwt").put("secret", first.config.getJsonObject("jwt").getString("secret"));
      tweak.accept(config);
    });
  }

  /**
   * A client of a service that runs elsewhere ({@link ServiceProcess}) on {@code port} of 127.0.0.1, so that
   * {@link Actors}, {@link Teams} and {@link Sockets} work with it too. {@link #stop()} closes the client only.
   */
  public static TestApp remote(int port) {
    JsonObject config = new JsonObject().put("http", new JsonObject().put("port", port));
    return new TestApp(Vertx.vertx(), config, null);
  }

  public HttpResponse<Buffer> send(HttpRequest<Buffer> request) {
    return request.send().await();
  }

  public HttpResponse<Buffer> send(HttpRequest<Buffer> request, Buffer body) {
    return request.sendBuffer(body).await();
  }

  public HttpResponse<Buffer> get(String path) {
    return web.get(path).send().await();
  }

  public HttpResponse<Buffer> post(String path, JsonObject body) {
    return web.post(path).sendJsonObject(body).await();
  }

  /** POSTs {@code body} exactly as given (malformed JSON, an array...), as {@code application/json}. */
  public HttpResponse<Buffer> postRaw(String path, String body) {
    return web.post(path).putHeader("content-type", "application/json").sendBuffer(Buffer.buffer(body)).await();
  }

  /**
   * Undeploys as a node stops (the worker first: {@link MainVerticle#stopWorker}) and closes; the Vert.x instance is
   * closed even when undeploying fails, so no worker lingers.
   */
  public void stop() {
    try {
      web.close();
      if (deploymentId != null) {
        MainVerticle.stopWorker(vertx).await();
        vertx.undeploy(deploymentId).await();
      }
    } catch (RuntimeException alreadyGone) {
      // closed by the test itself, or a verticle failed to stop: close regardless
    } finally {
      vertx.close().await();
    }
  }
}
