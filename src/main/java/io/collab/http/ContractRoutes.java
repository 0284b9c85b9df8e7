package io.collab.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.openapi.contract.OpenAPIContract;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Serves the contract ({@code /openapi.yaml}, {@code /openapi.json}) and Swagger UI ({@code /swagger/}) from the
 * {@code org.webjars:swagger-ui} jar. The contract's server URL is replaced by the origin the caller used, so
 * "Try it out" calls the instance or load balancer the page came from.
 */
final class ContractRoutes {

  static final String CONTRACT = "openapi.yaml";
  private static final String CONTRACT_SERVER = "http://127.0.0.1:8000";

  private final OpenAPIContract contract;
  private final String yaml;
  private final String swaggerIndex;
  private final String swaggerUiVersion;

  private ContractRoutes(OpenAPIContract contract, String yaml, String swaggerIndex, String swaggerUiVersion) {
    this.contract = contract;
    this.yaml = yaml;
    this.swaggerIndex = swaggerIndex;
    this.swaggerUiVersion = swaggerUiVersion;
  }

  static Future<ContractRoutes> load(Vertx vertx, OpenAPIContract contract) {
    Future<Buffer> yaml = vertx.fileSystem().readFile(CONTRACT);
    Future<Buffer> index = vertx.fileSystem().readFile("swagger/index.html");
    Future<Buffer> build = vertx.fileSystem().readFile("collab-build.properties");
    return Future.all(yaml, index, build).map(all -> new ContractRoutes(contract, yaml.result().toString(),
        index.result().toString(), swaggerUiVersion(build.result().toString())));
  }

  void mount(Router router) {
    router.get("/openapi.yaml").handler(this::serveYaml);
    router.get("/openapi.json").handler(this::serveJson);
    // Route matching ignores a trailing slash, so one route serves both and tells them apart itself.
    router.get("/swagger/").handler(this::serveSwaggerIndex);
    // the webjar ships its own index.html pointing at a demo API: ours replaces it
    router.get("/swagger/index.html").handler(this::serveSwaggerIndex);
    router.get("/swagger/*").handler(StaticHandler.create("META-INF/resources/webjars/swagger-ui/" + swaggerUiVersion)
        .setCachingEnabled(true).setMaxAgeSeconds(3600));
  }

  private void serveSwaggerIndex(RoutingContext ctx) {
    if (ctx.request().path().equals("/swagger")) {
      ctx.redirect("/swagger/");
      return;
    }
    ctx.response().putHeader("content-type", "text/html; charset=utf-8").end(swaggerIndex);
  }

  private void serveYaml(RoutingContext ctx) {
    ctx.response().putHeader("content-type", "application/yaml; charset=utf-8")
        .end(yaml.replace(CONTRACT_SERVER, origin(ctx)));
  }

  private void serveJson(RoutingContext ctx) {
    JsonObject json = contract.getRawContract().copy();
    json.put("servers", new JsonArray().add(new JsonObject().put("url", origin(ctx)).put("description", "This instance.")));
    ctx.json(json);
  }

  private static String origin(RoutingContext ctx) {
    String proto = ctx.request().getHeader("X-Forwarded-Proto");
    String scheme = proto != null && (proto.equals("https") || proto.equals("http")) ? proto : ctx.request().scheme();
    String host = ctx.request().authority() == null ? "localhost" : ctx.request().authority().toString();
    return scheme + "://" + host;
  }

  private static String swaggerUiVersion(String properties) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(properties));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("swagger-ui.version");
  }
}
