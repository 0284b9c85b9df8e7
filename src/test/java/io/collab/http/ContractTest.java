package io.collab.http;

import io.collab.support.CollabTest;
import io.collab.support.TestApp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

@CollabTest
@DisplayName("The contract: Swagger UI, the served openapi.yaml/json, and every operation it declares")
class ContractTest {

  private static final Path CONTRACT = Path.of("src/main/resources/openapi.yaml");
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  private TestApp app;

  @Test
  @DisplayName("GET /swagger/ serves the Swagger UI page, which loads swagger-ui-bundle.js")
  void swaggerIndex() {
    HttpResponse<Buffer> response = app.get("/swagger/");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("content-type")).startsWith("text/html");
    assertThat(response.bodyAsString()).contains("swagger-ui-bundle.js");
  }

  @Test
  @DisplayName("the Swagger UI page loads the contract this instance serves")
  void swaggerLoadsContract() {
    assertThat(app.get("/swagger/").bodyAsString()).contains("/openapi.yaml");
  }

  @Test
  @DisplayName("GET /swagger/swagger-ui-bundle.js serves JavaScript")
  void swaggerBundle() {
    HttpResponse<Buffer> response = app.get("/swagger/swagger-ui-bundle.js");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("content-type")).contains("javascript");
    assertThat(response.body().length()).isGreaterThan(10_000);
  }

  @Test
  @DisplayName("GET /swagger redirects to /swagger/")
  void swaggerRedirect() {
    HttpResponse<Buffer> response = app.send(app.web.get("/swagger").followRedirects(false));

    assertThat(response.statusCode()).isBetween(301, 308);
    assertThat(response.getHeader("Location")).matches("(http://127\\.0\\.0\\.1:\\d+)?/swagger/");
  }

  @Test
  @DisplayName("GET /openapi.yaml serves the contract with the request's origin as its server URL")
  void servedYaml() {
    HttpResponse<Buffer> response = app.get("/openapi.yaml");

    assertThat(response.statusCode()).isEqualTo(200);
    Map<String, Object> served = new Yaml().load(response.bodyAsString());
    assertThat(served.get("openapi")).isEqualTo("3.1.0");
    assertThat(paths(served)).containsKey("/api/auth/login/");
    assertThat(serverUrls(served)).containsExactly(origin());
  }

  @Test
  @DisplayName("GET /openapi.json serves the contract as JSON with the request's origin as its server URL")
  void servedJson() {
    HttpResponse<Buffer> response = app.get("/openapi.json");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    Map<String, Object> served = response.bodyAsJsonObject().getMap();
    assertThat(paths(served)).containsKey("/api/auth/login/");
    assertThat(serverUrls(served)).containsExactly(origin());
  }

  @TestFactory
  @DisplayName("every operation of openapi.yaml has a handler: no 404, 405 or 503, and a JSON answer")
  Stream<DynamicTest> everyOperationIsServed() throws IOException {
    return operations().stream().map(op -> DynamicTest.dynamicTest(op.method() + " " + op.path(),
        () -> assertServed(op, op.path())));
  }

  @TestFactory
  @DisplayName("every operation of openapi.yaml also answers without the path's trailing slash")
  Stream<DynamicTest> everyOperationWithoutTrailingSlash() throws IOException {
    return operations().stream().filter(op -> op.path().endsWith("/"))
        .map(op -> {
          String path = op.path().substring(0, op.path().length() - 1);
          return DynamicTest.dynamicTest(op.method() + " " + path, () -> assertServed(op, path));
        });
  }

  /** One operation of the contract: its path template, method and whether it takes a body. */
  private record Operation(String path, HttpMethod method, boolean hasBody) {}

  @SuppressWarnings("unchecked")
  private static List<Operation> operations() throws IOException {
    Map<String, Object> contract;
    try (Reader reader = Files.newBufferedReader(CONTRACT)) {
      contract = new Yaml().load(reader);
    }
    List<Operation> operations = new ArrayList<>();
    paths(contract).forEach((path, item) -> ((Map<String, Object>) item).forEach((key, operation) -> {
      if (METHODS.contains(key)) {
        boolean hasBody = ((Map<String, Object>) operation).containsKey("requestBody");
        operations.add(new Operation(path, HttpMethod.valueOf(key.toUpperCase(Locale.ROOT)), hasBody));
      }
    }));
    assertThat(operations).as("operations in %s", CONTRACT).isNotEmpty();
    return operations;
  }

  private void assertServed(Operation op, String path) {
    String concrete = path.replaceAll("\\{[^}/]+}", "1");
    HttpRequest<Buffer> request = app.web.request(op.method(), concrete);
    HttpResponse<Buffer> response = op.hasBody() ? request.sendJsonObject(new JsonObject()).await() : app.send(request);

    assertThat(response.statusCode()).as("%s %s answered %s", op.method(), concrete, response.bodyAsString())
        .isNotIn(404, 405, 503);
    if (op.method() != HttpMethod.HEAD) {
      assertThat(response.getHeader("content-type")).as("content-type of %s %s", op.method(), concrete)
          .startsWith("application/json");
      assertThatCode(response::bodyAsJsonObject).as("JSON body of %s %s", op.method(), concrete)
          .doesNotThrowAnyException();
      assertThat(response.bodyAsJsonObject()).as("JSON body of %s %s", op.method(), concrete).isNotNull();
    }
  }

  private String origin() {
    return "http://127.0.0.1:" + app.port;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> paths(Map<String, Object> contract) {
    return (Map<String, Object>) contract.get("paths");
  }

  @SuppressWarnings("unchecked")
  private static List<String> serverUrls(Map<String, Object> contract) {
    return ((List<Map<String, Object>>) contract.get("servers")).stream()
        .map(server -> String.valueOf(server.get("url"))).toList();
  }
}
