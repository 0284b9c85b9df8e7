package io.collab.bench;

import io.collab.bench.common.BenchOptions;
import io.collab.bench.common.Host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The options of {@link RealtimeBench}, with their defaults (the {@code fanout} scenario's). */
final class RealtimeOptions {

  static final String USAGE = """
      Usage: RealtimeBench [options]
        --hosts H:P[,H:P...]   collab instances (loopback only); sockets are spread round-robin,
                               socket i to host (i + i / W) mod hosts, so that every workspace
                               has sockets on every instance                                     [127.0.0.1:8001]
        --sockets N            WebSocket connections                                             [1000]
        --workspaces W         workspaces; socket i joins workspace i mod W                       [100]
        --users U              registered users whose tokens the sockets use (socket slot k in a
                               workspace uses user k mod U, so a workspace has min(U, N/W) users) [10]
        --rate R               messages per second per socket (mean; each gap is uniform in
                               [0.5, 1.5] / R)                                                    [1]
        --warmup S             seconds of sending before measuring                                [10]
        --duration S           measured seconds (with --idle: seconds to hold the sockets open)   [60]
        --drain S              at most this long to wait for in-flight deliveries after sending   [10]
        --idle                 connect, send nothing, hold for --duration, report
        --senders F            fraction of sockets that send (the others only receive)            [1]
        --concurrency C        handshakes in flight while connecting                              [50]
        --client-loops K       event loops of this client                                         [2]
        --compression          offer permessage-deflate in the handshake, as browsers do          [off]
        --redis-spy H:P[/DB]   also SUBSCRIBE to the workspaces' channels on this Redis (loopback only); DB is
                               the database the service uses (default 0): it is part of the channel names
                               and time when each event is published there: splits the latency into
                               before and after Redis
        --gate FILE            after setup, print BENCH-SETUP-DONE and wait (at most 300 s) for FILE
                               to exist before connecting (lets a script measure the server first)
        --watch NAME=PID,...   report the CPU use and run-queue waits of these processes over the
                               measured window (Linux /proc)
        --run-id ID            tag for emails (default: random); every run registers fresh users
        --help
      """;

  List<Host> hosts = List.of(new Host("127.0.0.1", 8001));
  int sockets = 1000;
  int workspaces = 100;
  int users = 10;
  double rate = 1;
  int warmup = 10;
  int duration = 60;
  int drain = 10;
  boolean idle;
  double senders = 1;
  int concurrency = 50;
  int loops = 2;
  boolean compression;
  Host redisSpy;
  int redisSpyDb;
  String gate;
  Map<String, Long> watch = new LinkedHashMap<>();
  String runId = BenchOptions.randomRunId();

  static RealtimeOptions parse(String[] args) {
    RealtimeOptions o = new RealtimeOptions();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        System.out.print(USAGE);
        System.exit(0);
      }
      if (a.equals("--idle")) {
        o.idle = true;
        continue;
      }
      if (a.equals("--compression")) {
        o.compression = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--hosts" -> o.hosts = Host.parseList(v);
        case "--sockets" -> o.sockets = Integer.parseInt(v);
        case "--workspaces" -> o.workspaces = Integer.parseInt(v);
        case "--users" -> o.users = Integer.parseInt(v);
        case "--rate" -> o.rate = Double.parseDouble(v);
        case "--warmup" -> o.warmup = Integer.parseInt(v);
        case "--duration" -> o.duration = Integer.parseInt(v);
        case "--drain" -> o.drain = Integer.parseInt(v);
        case "--senders" -> o.senders = Double.parseDouble(v);
        case "--concurrency" -> o.concurrency = Integer.parseInt(v);
        case "--client-loops" -> o.loops = Integer.parseInt(v);
        case "--gate" -> o.gate = v;
        case "--redis-spy" -> {
          int slash = v.indexOf('/');
          String hostPort = slash < 0 ? v : v.substring(0, slash);
          o.redisSpy = new Host(hostPort.substring(0, hostPort.lastIndexOf(':')),
              Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1)));
          o.redisSpyDb = slash < 0 ? 0 : Integer.parseInt(v.substring(slash + 1));
        }
        case "--run-id" -> o.runId = v;
        case "--watch" -> o.watch = BenchOptions.watch(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    o.check();
    return o;
  }

  private void check() {
    if (hosts.isEmpty() || sockets < 1 || workspaces < 1 || users < 1 || rate <= 0 || duration < 1
        || warmup < 0 || drain < 0 || concurrency < 1 || loops < 1 || senders < 0 || senders > 1
        || duration > 3600 || warmup > 600 || drain > 120) {
      throw new IllegalArgumentException("an option is out of range (duration <= 3600, warmup <= 600, drain <= 120)");
    }
    BenchOptions.requireRunId(runId);
    List<Host> targets = new ArrayList<>(hosts);
    if (redisSpy != null) {
      targets.add(redisSpy);
    }
    Host.requireLoopback(targets);
  }
}
