package io.collab.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * Serves the browser app that {@code mvn package} builds from {@code web/} into the jar's {@code webroot/}.
 *
 * <p>Vite names every asset after its content hash, so {@code /assets/*} may be cached for a year; {@code index.html}
 * names the current assets and must be revalidated on every load. The app's own routes (deep links included) all
 * answer with {@code index.html}: the app routes in the browser. Nothing here matches {@code /api}, {@code /ws},
 * {@code /eventbus}, {@code /health}, {@code /metrics} or {@code /swagger}.
 *
 * <p>A jar built with {@code -Dweb.skip=true} has no {@code webroot/}: then nothing is mounted and {@code /} stays 404.
 */
public final class WebApp {

  private static final Logger log = LoggerFactory.getLogger(WebApp.class);

  static final String ROOT = "webroot";
  static final String ASSETS_CACHE = "public, max-age=31536000, immutable";
  static final String PAGE_CACHE = "no-cache";
  /**
   * Only this origin, for everything: scripts (no inline ones), styles, images, fonts, fetches and sockets (CSP 3's
   * {@code 'self'} covers {@code ws:}/{@code wss:} to the same host). No framing, no plugins, forms post only here.
   * The one exception is the nonce of each page: CodeMirror writes its base styles into a {@code <style>} element
   * carrying it ({@code EditorView.cspNonce}); scripts get no nonce.
   */
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'%s; img-src 'self' data:; "
      + "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
      + "frame-ancestors 'none'";
  /** Where index.html (web/index.html) wants the page's style nonce. */
  static final String NONCE_PLACEHOLDER = "__CSP_NONCE__";
  private static final SecureRandom RANDOM = new SecureRandom();
  /** The app's page routes: every path the browser app can show, so reloads and shared links work. */
  static final List<String> PAGES = List.of("/", "/login", "/register", "/projects", "/projects/*",
      "/workspaces/:id", "/workspaces/:id/files/:fileId");

  private final String index;

  private WebApp(Buffer index) {
    this.index = index.toString(StandardCharsets.UTF_8);
  }

  /** Reads {@code index.html} once, off the event loop; completes with null when the app was not built. */
  public static Future<WebApp> load(Vertx vertx) {
    String page = ROOT + "/index.html";
    return vertx.fileSystem().exists(page).compose(built -> {
      if (!built) {
        log.info("no {} in the class path (built with -Dweb.skip=true?): the browser app is not served", page);
        return Future.succeededFuture(null);
      }
      return vertx.fileSystem().readFile(page).map(WebApp::new);
    });
  }

  public void mount(Router router) {
    StaticHandler assets = StaticHandler.create(ROOT + "/assets")
        .setCachingEnabled(true)
        .setMaxAgeSeconds(31536000)
        .setDirectoryListing(false)
        .setIncludeHidden(false)
        .setSendVaryHeader(true);
    router.get("/assets/*").handler(ctx -> {
      ctx.addHeadersEndHandler(v -> {
        int status = ctx.response().getStatusCode();
        // a 404 for an asset of a newer deployment must not be cached for a year
        if (status == 200 || status == 206 || status == 304) {
          secure(ctx.response(), ASSETS_CACHE, null);
        }
      });
      assets.handle(ctx);
    });
    for (String path : PAGES) {
      router.get(path).handler(this::page);
    }
  }

  private void page(RoutingContext ctx) {
    byte[] bytes = new byte[18];
    RANDOM.nextBytes(bytes);
    String nonce = Base64.getEncoder().encodeToString(bytes);
    HttpServerResponse response = ctx.response().putHeader("content-type", "text/html; charset=utf-8");
    secure(response, PAGE_CACHE, nonce);
    response.end(index.replace(NONCE_PLACEHOLDER, nonce));
  }

  private static void secure(HttpServerResponse response, String cacheControl, String styleNonce) {
    response.headers()
        .set("cache-control", cacheControl)
        .set("content-security-policy", CSP.formatted(styleNonce == null ? "" : " 'nonce-" + styleNonce + "'"))
        .set("x-content-type-options", "nosniff")
        .set("referrer-policy", "same-origin");
  }
}
