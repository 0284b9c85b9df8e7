package io.collab.app;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files (docker-compose.yml, deploy/nginx.conf, Dockerfile) describe the topology the service is built
 * for. Read as text and YAML from the project root: no Docker, no network.
 */
@DisplayName("The deployment files")
class DeploymentFilesTest {

  private static final List<String> COLLAB_NODES = List.of("api1", "api2", "worker1");
  private static final List<String> API_NODES = List.of("api1", "api2");

  private static Map<String, Object> services;
  private static String nginx;
  private static List<String[]> dockerfile;

  @BeforeAll
  static void read() throws IOException {
    Map<String, Object> compose = new Yaml().load(Files.readString(Path.of("docker-compose.yml")));
    services = map(compose.get("services"), "services");
    nginx = Files.readString(Path.of("deploy/nginx.conf"));
    dockerfile = instructions(Files.readString(Path.of("Dockerfile")));
  }

  @Test
  @DisplayName("compose runs postgres, redis, api1, api2, worker1 and the lb")
  void composeHasEveryService() {
    assertThat(services).containsKeys("postgres", "redis", "api1", "api2", "worker1", "lb");
  }

  @Test
  @DisplayName("the lb publishes port 8000 and mounts deploy/nginx.conf")
  void lbPublishes8000() {
    Map<String, Object> lb = service("lb");
    assertThat(publishedPorts(lb)).contains("8000");
    assertThat(strings(lb.get("volumes"))).anyMatch(v -> v.startsWith("./deploy/nginx.conf:"));
  }

  @Test
  @DisplayName("api1 and api2 run the api, realtime and persistence roles")
  void apiNodesRoles() {
    for (String node : API_NODES) {
      assertThat(roles(node)).as(node).contains("api", "realtime", "persistence");
    }
  }

  @Test
  @DisplayName("worker1 runs only the worker role and publishes no port")
  void workerRole() {
    assertThat(env("worker1")).containsEntry("COLLAB_ROLES", "worker");
    assertThat(service("worker1")).doesNotContainKey("ports");
  }

  @Test
  @DisplayName("every collab node gets PostgreSQL, Redis, the JWT secret and the full cluster member list")
  void sharedSettings() {
    for (String node : COLLAB_NODES) {
      Map<String, String> env = env(node);
      assertThat(env).as(node).containsKeys("COLLAB_PG_URL", "COLLAB_REDIS_URL", "COLLAB_JWT_SECRET");
      assertThat(env.get("COLLAB_PG_URL")).as(node).startsWith("postgresql://").contains("@postgres:5432/");
      assertThat(env.get("COLLAB_REDIS_URL")).as(node).isEqualTo("redis://redis:6379");
      assertThat(list(env.get("COLLAB_CLUSTER_MEMBERS"))).as(node).containsAll(COLLAB_NODES);
      assertThat(env.get("COLLAB_CLUSTER_NAME")).as(node).isNotBlank();
    }
  }

  @Test
  @DisplayName("the JWT secret comes from the caller's environment and is never written in the file")
  void secretFromEnvironment() {
    for (String node : COLLAB_NODES) {
      assertThat(env(node).get("COLLAB_JWT_SECRET")).as(node).startsWith("${COLLAB_JWT_SECRET:?");
    }
  }

  @Test
  @DisplayName("each collab node advertises its own service name to the cluster")
  void clusterHostIsServiceName() {
    for (String node : COLLAB_NODES) {
      assertThat(env(node)).as(node).containsEntry("COLLAB_CLUSTER_HOST", node);
    }
  }

  @Test
  @DisplayName("collab nodes start once postgres and redis are healthy, and report their own readiness")
  void startOrder() {
    for (String node : COLLAB_NODES) {
      Map<String, Object> dependsOn = map(service(node).get("depends_on"), node + ".depends_on");
      for (String dependency : List.of("postgres", "redis")) {
        assertThat(map(dependsOn.get(dependency), node + ".depends_on." + dependency))
            .as(node + " waits for " + dependency).containsEntry("condition", "service_healthy");
      }
      assertThat(String.valueOf(map(service(node).get("healthcheck"), node + ".healthcheck").get("test")))
          .as(node).contains("/health/ready");
    }
  }

  @Test
  @DisplayName("nginx balances over api1 and api2 and passes WebSocket upgrades")
  void nginxProxiesSockets() {
    assertThat(nginx)
        .containsPattern("server\\s+api1:8000")
        .containsPattern("server\\s+api2:8000")
        .containsPattern("map\\s+\\$http_upgrade\\s+\\$connection_upgrade")
        .containsPattern("proxy_http_version\\s+1\\.1;")
        .containsPattern("proxy_set_header\\s+Upgrade\\s+\\$http_upgrade;")
        .containsPattern("proxy_set_header\\s+Connection\\s+\\$connection_upgrade;")
        .containsPattern("proxy_set_header\\s+X-Request-Id\\s")
        .containsPattern("proxy_set_header\\s+X-Forwarded-For\\s+\\$proxy_add_x_forwarded_for;")
        .containsPattern("proxy_set_header\\s+Host\\s");
  }

  @Test
  @DisplayName("nginx lets bodies just over the app's 1 MiB limit through, so the app answers 413 itself")
  void nginxBodyLimit() {
    assertThat(nginx).containsPattern("client_max_body_size\\s+5m;");
  }

  @Test
  @DisplayName("the Dockerfile builds in one stage and runs collab.jar from a second stage as a non-root user")
  void dockerfile() {
    assertThat(dockerfile.stream().filter(i -> i[0].equals("FROM"))).hasSize(2);
    String user = last("USER");
    assertThat(user).isNotBlank().isNotIn("root", "0", "root:root", "0:0");
    assertThat(last("ENTRYPOINT")).contains("-jar").contains("/app/collab.jar");
    assertThat(dockerfile).anyMatch(i -> i[0].equals("COPY") && i[1].contains("--from=")
        && i[1].contains("collab.jar") && i[1].endsWith("/app/collab.jar"));
  }

  // ---- helpers ----------------------------------------------------------------------------------------------------

  private static Map<String, Object> service(String name) {
    return map(services.get(name), "service " + name);
  }

  /** A service's environment, written as a map or as a list of {@code NAME=value}. */
  private static Map<String, String> env(String name) {
    Object raw = service(name).get("environment");
    Map<String, String> env = new LinkedHashMap<>();
    if (raw instanceof Map<?, ?> m) {
      m.forEach((k, v) -> env.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
    } else {
      for (String entry : strings(raw)) {
        int eq = entry.indexOf('=');
        env.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? null : entry.substring(eq + 1));
      }
    }
    return env;
  }

  private static List<String> roles(String name) {
    return list(env(name).get("COLLAB_ROLES"));
  }

  /** Host ports of a service, from short ({@code "8000:80"}) or long ({@code published: 8000}) syntax. */
  private static List<String> publishedPorts(Map<String, Object> service) {
    List<String> out = new ArrayList<>();
    Object ports = service.get("ports");
    if (ports instanceof List<?> items) {
      for (Object item : items) {
        if (item instanceof Map<?, ?> m) {
          out.add(String.valueOf(m.get("published")));
        } else {
          String[] parts = String.valueOf(item).split(":");
          out.add(parts.length >= 2 ? parts[parts.length - 2] : parts[0]);
        }
      }
    }
    return out;
  }

  private static String last(String keyword) {
    String value = null;
    for (String[] instruction : dockerfile) {
      if (instruction[0].equals(keyword)) {
        value = instruction[1];
      }
    }
    return value;
  }

  /** Dockerfile instructions as {keyword, arguments}, comments dropped and continuation lines joined. */
  private static List<String[]> instructions(String text) {
    List<String[]> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      current.append(trimmed);
      String instruction = current.toString().strip();
      current.setLength(0);
      if (instruction.isEmpty()) {
        continue;
      }
      String[] parts = instruction.split("\\s+", 2);
      out.add(new String[] {parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : ""});
    }
    return out;
  }

  private static List<String> list(String commaList) {
    return commaList == null ? List.of()
        : Arrays.stream(commaList.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static List<String> strings(Object value) {
    return value instanceof List<?> items ? items.stream().map(String::valueOf).toList() : List.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value, String what) {
    assertThat(value).as(what).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }
}
