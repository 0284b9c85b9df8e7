package io.collab.app;

import io.collab.config.ConfigLoader;
import io.collab.support.ServiceProcess;
import io.collab.support.TestServices;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("java -jar collab.jar start")
class StartCommandTest {

  private static final String SECRET = "start-command-test-secret-0123456789abcdef";

  @Test
  @DisplayName("exits non-zero within 15 s with one line naming the unreachable PostgreSQL, and no stack trace")
  void failsFastWhenPostgresIsDown() throws Exception {
    int deadPort = TestServices.freePort();
    try (ServiceProcess service = ServiceProcess.start(Map.of(
        "COLLAB_PG_URL", "postgresql://collab:collab@127.0.0.1:" + deadPort + "/collab",
        "COLLAB_REDIS_URL", TestServices.redisUrl(),
        "COLLAB_JWT_SECRET", SECRET), "start")) {
      Optional<Integer> exit = service.awaitExit(Duration.ofSeconds(15));
      assertThat(exit).as("exited within 15 s").isPresent();
      assertThat(exit.get()).isNotZero();
      List<String> errors = service.stderr();
      assertThat(errors).hasSize(1);
      assertThat(errors.get(0)).contains("PostgreSQL at 127.0.0.1:" + deadPort + "/collab").contains("unreachable");
      assertThat(String.join("\n", service.stdout()) + String.join("\n", errors))
          .doesNotContain("\tat ").doesNotContain("Exception");
    }
  }

  @Test
  @DisplayName("exits non-zero with one line naming the unreachable Redis")
  void failsFastWhenRedisIsDown() throws Exception {
    int deadPort = TestServices.freePort();
    try (ServiceProcess service = ServiceProcess.start(Map.of(
        "COLLAB_PG_URL", TestServices.pgBaseUrl(),
        "COLLAB_REDIS_URL", "redis://127.0.0.1:" + deadPort,
        "COLLAB_JWT_SECRET", SECRET), "start")) {
      Optional<Integer> exit = service.awaitExit(Duration.ofSeconds(15));
      assertThat(exit).isPresent();
      assertThat(exit.get()).isNotZero();
      assertThat(service.stderr()).singleElement().asString().contains("Redis at 127.0.0.1:" + deadPort);
    }
  }

  @Test
  @DisplayName("refuses to start without COLLAB_JWT_SECRET")
  void requiresSecret() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of(
        "COLLAB_PG_URL", TestServices.pgBaseUrl(), "COLLAB_REDIS_URL", TestServices.redisUrl()), "start")) {
      assertThat(service.awaitExit(Duration.ofSeconds(15))).contains(2);
      assertThat(service.stderr()).singleElement().asString().contains("COLLAB_JWT_SECRET is required");
    }
  }

  @Test
  @DisplayName("two processes on different ports form one cluster: the second's ready line says cluster_size=2")
  void twoProcessesFormOneCluster() throws Exception {
    String pg = TestServices.freshDatabase();
    String cluster = "collab-test-" + UUID.randomUUID();
    int firstPort = TestServices.freePort();
    int secondPort = TestServices.freePort();
    try (ServiceProcess first = ServiceProcess.start(env(pg, cluster, firstPort), "start")) {
      Optional<String> firstReady = first.awaitLine("collab ready: ", Duration.ofSeconds(60));
      assertThat(firstReady).as("first node ready; stderr: %s", first.stderr()).isPresent();
      assertThat(firstReady.get()).contains("http://localhost:" + firstPort)
          .contains("roles=api,realtime,persistence,worker").contains("cluster_size=1");
      try (ServiceProcess second = ServiceProcess.start(env(pg, cluster, secondPort), "start")) {
        Optional<String> secondReady = second.awaitLine("collab ready: ", Duration.ofSeconds(60));
        assertThat(secondReady).as("second node ready; stderr: %s", second.stderr()).isPresent();
        assertThat(secondReady.get()).contains("cluster_size=2");
      }
    }
  }

  @Test
  @DisplayName("--help lists the commands and every setting with its environment variable")
  void help() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of(), "--help")) {
      assertThat(service.awaitExit(Duration.ofSeconds(15))).contains(0);
      String text = String.join("\n", service.stdout());
      assertThat(text).contains("dev").contains("start");
      for (ConfigLoader.Setting setting : ConfigLoader.settings(ConfigLoader.defaults())) {
        assertThat(text).contains(setting.env());
      }
    }
  }

  private static Map<String, String> env(String pg, String cluster, int port) {
    return startEnv(pg, TestServices.redisUrl(), SECRET, cluster, port);
  }

  /** The environment of a {@code start} process on one HTTP event loop, in cluster {@code cluster}, logging text. */
  static Map<String, String> startEnv(String pg, String redis, String secret, String cluster, int port) {
    return Map.of(
        "COLLAB_PG_URL", pg,
        "COLLAB_REDIS_URL", redis,
        "COLLAB_JWT_SECRET", secret,
        "COLLAB_HTTP_PORT", String.valueOf(port),
        "COLLAB_HTTP_INSTANCES", "1",
        "COLLAB_CLUSTER_NAME", cluster,
        "COLLAB_LOG_FORMAT", "text");
  }
}
