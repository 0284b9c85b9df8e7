package io.collab.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A private Sentinel-managed Redis on loopback: a master, one replica and three sentinels ({@code redis-server
 * --sentinel} with a generated configuration), all on free ports in a temporary directory, keeping nothing on disk.
 * Sentinels judge the master down after {@link #DOWN_AFTER_MS}, so a failover takes a few seconds. Uses
 * {@code redis-cli} to watch the topology settle.
 */
public final class RedisSentinelTopology implements FaultRedis {

  public static final String MASTER_NAME = "collab-test";
  public static final int DOWN_AFTER_MS = 1_000;
  private static final int FAILOVER_TIMEOUT_MS = 5_000;
  private static final Duration SETTLE = Duration.ofSeconds(30);

  private final Path dir;
  private final int masterPort;
  private final int replicaPort;
  private final List<Integer> sentinelPorts = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private Process master;

  private RedisSentinelTopology(Path dir) throws IOException {
    this.dir = dir;
    this.masterPort = freePort();
    this.replicaPort = freePort();
    for (int i = 0; i < 3; i++) {
      sentinelPorts.add(freePort());
    }
  }

  /** Starts the five processes and returns once the replica is in sync and every sentinel knows the other two. */
  public static RedisSentinelTopology start() {
    RedisSentinelTopology topology = null;
    try {
      topology = new RedisSentinelTopology(Files.createTempDirectory("collab-sentinel"));
      topology.launch();
      return topology;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      if (topology != null) {
        topology.close();
      }
      throw e;
    }
  }

  /** {@code redis-sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3/collab-test/0}, for {@code redis.url}. */
  @Override
  public String url() {
    return "redis-sentinel://" + sentinelPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","))
        + "/" + MASTER_NAME + "/0";
  }

  public int masterPort() {
    return masterPort;
  }

  public int replicaPort() {
    return replicaPort;
  }

  /** SIGKILL the master: its connections reset, nothing is flushed, the sentinels must promote the replica. */
  public void killMaster() {
    master.destroyForcibly();
    try {
      master.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until the replica has every write the master acknowledged so far (for checks of what survives). */
  public void awaitReplicated() {
    awaitTrue("the replica to catch up", SETTLE, () -> {
      String masterInfo = cli(masterPort, "INFO", "replication");
      String offset = field(masterInfo, "master_repl_offset");
      return offset != null && offset.equals(field(cli(replicaPort, "INFO", "replication"), "slave_repl_offset"));
    });
  }

  @Override
  public void close() {
    for (Process process : processes) {
      process.destroyForcibly();
    }
    for (Process process : processes) {
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    deleteDirectory();
  }

  /** The logs and the sentinels' rewritten configurations go with the processes. */
  private void deleteDirectory() {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | UncheckedIOException ignored) {
      // a temporary directory: the system cleans it eventually
    }
  }

  private void launch() throws IOException {
    master = server("master", masterPort);
    server("replica", replicaPort, "--replicaof", "127.0.0.1", String.valueOf(masterPort));
    awaitTrue("the replica to sync", SETTLE,
        () -> cli(replicaPort, "INFO", "replication").contains("master_link_status:up"));
    for (int port : sentinelPorts) {
      sentinel(port);
    }
    // a sentinel learns the replica from the master and the other sentinels from their hello messages (every 2 s)
    awaitTrue("the sentinels to know the replica and each other", SETTLE, () -> sentinelPorts.stream().allMatch(p ->
        count(cli(p, "SENTINEL", "REPLICAS", MASTER_NAME), "name") >= 1
            && count(cli(p, "SENTINEL", "SENTINELS", MASTER_NAME), "name") >= 2));
  }

  private Process server(String name, int port, String... extra) throws IOException {
    List<String> command = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
    command.addAll(List.of(extra));
    return started(name, port, command);
  }

  private void sentinel(int port) throws IOException {
    Path conf = dir.resolve("sentinel-" + port + ".conf");
    // sentinels rewrite their configuration file as they learn the topology: each needs its own, writable
    Files.writeString(conf, String.join("\n",
        "port " + port,
        "bind 127.0.0.1",
        "dir " + dir,
        "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + masterPort + " 2",
        "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MS,
        "sentinel failover-timeout " + MASTER_NAME + " " + FAILOVER_TIMEOUT_MS,
        "sentinel parallel-syncs " + MASTER_NAME + " 1",
        ""), StandardCharsets.UTF_8);
    started("sentinel-" + port, port, List.of("redis-server", conf.toString(), "--sentinel"));
  }

  private Process started(String name, int port, List<String> command) throws IOException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile()).start();
    processes.add(process);
    awaitTrue(name + " to listen on " + port, Duration.ofSeconds(10), () -> listening(port));
    return process;
  }

  private static boolean listening(int port) {
    try (Socket probe = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  /** One {@code redis-cli} command's output, or an empty string when it fails (the server may be down). */
  private static String cli(int port, String... args) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", String.valueOf(port)));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return process.waitFor(5, TimeUnit.SECONDS) && process.exitValue() == 0 ? out : "";
    } catch (IOException e) {
      throw new UncheckedIOException("redis-cli could not run (is it installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static String field(String info, String name) {
    return info.lines().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).trim())
        .findFirst().orElse(null);
  }

  private static int count(String output, String line) {
    return (int) output.lines().filter(line::equals).count();
  }

  private void awaitTrue(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what
            + " (logs in " + dir + ")");
      }
      Pause.sleep(100);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
