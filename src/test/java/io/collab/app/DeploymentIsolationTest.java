package io.collab.app;

import io.collab.support.Actors;
import io.collab.support.Actors.Actor;
import io.collab.support.ServiceProcess;
import io.collab.support.Sockets;
import io.collab.support.Sockets.Client;
import io.collab.support.Teams;
import io.collab.support.TestApp;
import io.collab.support.TestServices;
import io.collab.support.Pause;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Separate deployments on one machine, as operators and developers run them: {@code io.collab.app.Main} in child
 * JVMs. Nothing done in one is seen in the other (issue 14).
 */
@DisplayName("Separate deployments on one machine")
class DeploymentIsolationTest {

  private static final String SECRET = "deployment-isolation-test-secret-0123456789";
  private static final Duration READY = Duration.ofSeconds(120);
  private static final Pattern DEPLOYMENT = Pattern.compile("deployment=([0-9a-f-]{36})");

  @Test
  @DisplayName("two dev processes each run a cluster of one, and a workspace deleted in one leaves the other's open")
  void twoDevProcessesStaySeparate(@TempDir Path dataA, @TempDir Path dataB) throws Exception {
    int portA = TestServices.freePort();
    int portB = TestServices.freePort();
    try (ServiceProcess a = ServiceProcess.start(devEnv(dataA, portA), "dev");
         ServiceProcess b = ServiceProcess.start(devEnv(dataB, portB), "dev")) {
      String readyA = ready(a);
      String readyB = ready(b);
      assertThat(readyA).contains("cluster_size=1").contains("mode=dev").contains("cluster=single-node");
      assertThat(readyB).contains("cluster_size=1").contains("mode=dev").contains("cluster=single-node");
      assertThat(deploymentOf(readyA)).isNotEqualTo(deploymentOf(readyB));

      TestApp here = TestApp.remote(portA);
      TestApp there = TestApp.remote(portB);
      try {
        Actors actorsHere = new Actors(here);
        Actors actorsThere = new Actors(there);
        Actor ownerHere = actorsHere.register("here");
        Actor ownerThere = actorsThere.register("there");
        long workspaceHere = Teams.workspace(actorsHere, ownerHere);
        long workspaceThere = Teams.workspace(actorsThere, ownerThere);
        assertThat(workspaceThere).as("both fresh databases number their first workspace alike").isEqualTo(workspaceHere);

        try (Client socket = Sockets.join(here, workspaceHere, ownerHere.access())) {
          Actors.expect(actorsThere.delete(ownerThere, Actors.workspace(workspaceThere)), 204);
          assertThat(socket.drain(Duration.ofMillis(1500))).as("what the other process's socket received")
              .noneMatch(message -> "workspace_deleted".equals(message.getString("reason")));
          assertThat(socket.isClosed()).as("the socket on the other process's workspace is still open").isFalse();
          assertThat(actorsHere.get(ownerHere, Actors.workspace(workspaceHere)).statusCode()).isEqualTo(200);
        }
      } finally {
        here.stop();
        there.stop();
      }
    }
  }

  @Test
  @DisplayName("two start deployments with different databases and one cluster name do not merge: the second refuses"
      + " with one line naming both")
  void twoStartDeploymentsDoNotMerge() throws Exception {
    // One cluster name and Hazelcast port for both, as the default would be; unique so that no other run joins.
    String cluster = "collab-isolation-" + UUID.randomUUID();
    int clusterPort = TestServices.freePort();
    String pgB = TestServices.freshDatabase();
    try (ServiceProcess a = ServiceProcess.start(startEnv(TestServices.freshDatabase(), cluster, clusterPort), "start")) {
      String readyA = ready(a);
      assertThat(readyA).contains("cluster_size=1").contains("cluster=" + cluster);
      String deploymentA = deploymentOf(readyA);
      try (ServiceProcess b = ServiceProcess.start(startEnv(pgB, cluster, clusterPort), "start")) {
        Optional<Integer> exit = b.awaitExit(READY);
        assertThat(exit).as("the second deployment's node exited; stdout: %s", b.stdout()).isPresent();
        assertThat(exit.get()).isNotZero();
        List<String> errors = b.stderr();
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).contains("cluster '" + cluster + "'").contains(deploymentA)
            .contains(recordedDeployment(pgB)).contains("not joining");
      }
      Pause.sleep(500);
      assertThat(a.stdout()).as("the first deployment's log").anyMatch(line -> line.contains("refused cluster member"));
      TestApp client = TestApp.remote(port(a));
      try {
        assertThat(client.get("/health/ready").statusCode()).as("the first deployment still serves").isEqualTo(200);
      } finally {
        client.stop();
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------------------------------

  private static Map<String, String> devEnv(Path dataDir, int port) {
    return Map.of(
        "COLLAB_DATA_DIR", dataDir.toString(),
        "COLLAB_HTTP_PORT", String.valueOf(port),
        "COLLAB_HTTP_HOST", "127.0.0.1",
        "COLLAB_HTTP_INSTANCES", "1",
        "COLLAB_CLUSTER_PORT", String.valueOf(TestServices.freePort()),
        "COLLAB_AUTH_ARGON2_MEMORY_KIB", "1024",
        "COLLAB_AUTH_ARGON2_ITERATIONS", "1",
        "COLLAB_LOG_FORMAT", "text");
  }

  /**
   * A {@code start} process as {@link StartCommandTest} runs one, but on a Redis database of its own, at 127.0.0.1 and
   * with a set cluster port.
   */
  private static Map<String, String> startEnv(String pg, String cluster, int clusterPort) {
    Map<String, String> env = new HashMap<>(StartCommandTest.startEnv(pg, TestServices.freshRedisDatabase(), SECRET,
        cluster, TestServices.freePort()));
    env.put("COLLAB_HTTP_HOST", "127.0.0.1");
    env.put("COLLAB_CLUSTER_PORT", String.valueOf(clusterPort));
    return env;
  }

  private static String ready(ServiceProcess process) throws InterruptedException {
    Optional<String> line = process.awaitLine("collab ready: ", READY);
    assertThat(line).as("ready line; stderr: %s", process.stderr()).isPresent();
    return line.get();
  }

  private static String deploymentOf(String readyLine) {
    Matcher m = DEPLOYMENT.matcher(readyLine);
    assertThat(m.find()).as("deployment id in %s", readyLine).isTrue();
    return m.group(1);
  }

  private static int port(ServiceProcess process) {
    Matcher m = Pattern.compile("http://[^:]+:(\\d+)").matcher(process.stdout().stream()
        .filter(line -> line.startsWith("collab ready: ")).findFirst().orElseThrow());
    assertThat(m.find()).isTrue();
    return Integer.parseInt(m.group(1));
  }

  /** The id V7__deployment.sql recorded in the database at {@code url}. */
  private static String recordedDeployment(String url) throws SQLException {
    URI uri = URI.create(url);
    String user = uri.getUserInfo() == null ? "postgres" : uri.getUserInfo().split(":")[0];
    String password = uri.getUserInfo() != null && uri.getUserInfo().contains(":") ? uri.getUserInfo().split(":", 2)[1] : "";
    String jdbc = "jdbc:postgresql://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort()) + uri.getPath();
    try (Connection conn = DriverManager.getConnection(jdbc, user, password);
         Statement st = conn.createStatement();
         ResultSet rows = st.executeQuery("SELECT id::text FROM deployment")) {
      assertThat(rows.next()).as("a deployment row in %s", url).isTrue();
      return rows.getString(1);
    }
  }
}
