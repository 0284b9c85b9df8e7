package io.collab.web;

import io.collab.support.CollabTest;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

@CollabTest
@DisplayName("The service serves the browser app built into the jar")
class WebAppServingTest {

  private TestApp app;

  @ParameterizedTest
  @ValueSource(strings = {"/", "/login", "/register", "/projects", "/projects/", "/workspaces/12",
      "/workspaces/12/", "/workspaces/12/files/7"})
  @DisplayName("every page of the app, deep links included, is index.html, revalidated on every load, under a same-origin CSP")
  void pagesAreIndexHtml(String path) {
    HttpResponse<Buffer> page = app.get(path);

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("content-type")).startsWith("text/html");
    assertThat(page.getHeader("cache-control")).isEqualTo("no-cache");
    assertThat(page.bodyAsString()).contains("<div id=\"app\"").containsPattern("src=\"/assets/index-[\\w-]+\\.js\"");
    assertCsp(page.getHeader("content-security-policy"));
  }

  @Test
  @DisplayName("each page gets a fresh style nonce, in its CSP and in its csp-nonce meta; scripts get none")
  void styleNoncePerPage() {
    HttpResponse<Buffer> one = app.get("/");
    HttpResponse<Buffer> two = app.get("/");
    Matcher nonce = Pattern.compile("style-src 'self' 'nonce-([A-Za-z0-9+/=]{24})';").matcher(one.getHeader("content-security-policy"));

    assertThat(nonce.find()).isTrue();
    assertThat(one.bodyAsString()).contains("<meta property=\"csp-nonce\" nonce=\"" + nonce.group(1) + "\">")
        .doesNotContain("__CSP_NONCE__");
    assertThat(two.getHeader("content-security-policy")).doesNotContain(nonce.group(1));
    assertThat(one.getHeader("content-security-policy")).containsPattern("script-src 'self';");
  }

  @Test
  @DisplayName("hashed assets are cached for a year as immutable; a missing one is a plain 404 that no cache keeps")
  void assetsAreImmutable() {
    String index = app.get("/").bodyAsString();
    Matcher script = Pattern.compile("src=\"(/assets/index-[\\w-]+\\.js)\"").matcher(index);
    assertThat(script.find()).isTrue();

    HttpResponse<Buffer> asset = app.get(script.group(1));
    HttpResponse<Buffer> missing = app.get("/assets/index-00000000.js");

    assertThat(asset.statusCode()).isEqualTo(200);
    assertThat(asset.getHeader("content-type")).contains("javascript");
    assertThat(asset.getHeader("cache-control")).isEqualTo("public, max-age=31536000, immutable");
    assertCsp(asset.getHeader("content-security-policy"));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.getHeader("cache-control")).isNull();
    assertThat(missing.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
  }

  @Test
  @DisplayName("the app shadows none of the service's own routes")
  void serviceRoutesStay() {
    assertThat(app.get("/api/projects/projects/").statusCode()).isEqualTo(401);
    assertThat(app.get("/api/nope").bodyAsJsonObject().getString("error")).isEqualTo("not_found");
    assertThat(app.get("/health/live").statusCode()).isEqualTo(200);
    assertThat(app.get("/metrics").statusCode()).isEqualTo(200);
    assertThat(app.get("/swagger/").bodyAsString()).contains("swagger");
    assertThat(app.get("/ws/workspaces/1/").bodyAsJsonObject().getString("error")).isEqualTo("upgrade_required");
    assertThat(app.get("/somewhere-else").statusCode()).isEqualTo(404);
  }

  private static void assertCsp(String csp) {
    assertThat(csp).contains("default-src 'self'", "script-src 'self'", "connect-src 'self'", "object-src 'none'",
        "frame-ancestors 'none'");
    assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:", "*");
  }
}
