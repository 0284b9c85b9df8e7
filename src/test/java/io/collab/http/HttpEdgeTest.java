package io.collab.http;

import io.collab.support.CollabTest;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

@CollabTest(settings = {"http.bodyLimit=1024"})
@DisplayName("The HTTP edge")
class HttpEdgeTest {

  private TestApp app;

  @Test
  @DisplayName("GET /health/live answers 200 while the process is up")
  void liveness() {
    HttpResponse<Buffer> response = app.get("/health/live");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("status")).isEqualTo("UP");
  }

  @Test
  @DisplayName("GET /health/ready answers 200 with every check UP against real PostgreSQL and Redis")
  void readiness() {
    HttpResponse<Buffer> response = app.get("/health/ready");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject checks = response.bodyAsJsonObject().getJsonObject("checks");
    assertThat(checks.fieldNames()).containsExactlyInAnyOrder("postgres", "redis", "verticles", "jobs");
    checks.forEach(check -> assertThat(((JsonObject) check.getValue()).getString("status")).isEqualTo("UP"));
  }

  @ParameterizedTest(name = "{0} {1} with a {2} body")
  @CsvSource({
      "GET, /api/projects/projects/, multipart/form-data; boundary=x",
      "GET, /api/projects/projects/, application/x-www-form-urlencoded",
      "GET, /health/live, multipart/form-data; boundary=x",
      "HEAD, /api/projects/projects/, application/x-www-form-urlencoded",
      "DELETE, /api/projects/projects/1/, multipart/form-data; boundary=x",
      "GET, /no/such/route/, application/x-www-form-urlencoded"})
  @DisplayName("A body on a GET, HEAD or DELETE never causes a 500, whatever its content type")
  void bodiesOnBodilessMethods(String method, String path, String contentType) {
    String body = contentType.startsWith("multipart") ? "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--\r\n"
        : "a=b";
    HttpResponse<Buffer> response = app.send(app.web.request(HttpMethod.valueOf(method), path)
        .putHeader("content-type", contentType), Buffer.buffer(body));
    assertThat(response.statusCode()).isLessThan(500);
  }

  @Test
  @DisplayName("An unknown route is a 404 with the JSON error shape")
  void unknownRoute() {
    HttpResponse<Buffer> response = app.get("/no/such/route/");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
    assertThat(response.bodyAsJsonObject().getString("detail")).isNotBlank();
  }

  @Test
  @DisplayName("A method a route does not take is a 405 with the JSON error shape")
  void wrongMethod() {
    HttpResponse<Buffer> response = app.send(app.web.delete("/health/live"));
    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("method_not_allowed");
  }

  @Test
  @DisplayName("A body over http.bodyLimit is a 413 with the JSON error shape")
  void bodyTooLarge() {
    HttpResponse<Buffer> big = app.web.post("/anything").sendBuffer(Buffer.buffer(new byte[4096])).await();
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(big.bodyAsJsonObject().getString("error")).isEqualTo("payload_too_large");
    assertThat(big.bodyAsJsonObject().getString("detail")).contains("1024");
  }

  @Test
  @DisplayName("A sane X-Request-Id is echoed; a missing or unsafe one is replaced by a generated id")
  void requestId() {
    HttpResponse<Buffer> echoed = app.send(app.web.get("/health/live").putHeader("X-Request-Id", "abc-123"));
    assertThat(echoed.getHeader("X-Request-Id")).isEqualTo("abc-123");

    HttpResponse<Buffer> generated = app.get("/health/live");
    assertThat(generated.getHeader("X-Request-Id")).matches("[0-9a-f-]{36}");

    HttpResponse<Buffer> unsafe = app.send(app.web.get("/health/live").putHeader("X-Request-Id", "bad id <script>"));
    assertThat(unsafe.getHeader("X-Request-Id")).matches("[0-9a-f-]{36}");
  }

  @Test
  @DisplayName("GET /metrics serves Prometheus text with Vert.x HTTP server series")
  void metrics() {
    app.get("/health/live");
    HttpResponse<Buffer> response = app.get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsString()).contains("vertx_http_server_requests_total");
  }
}
