package io.collab.bench;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Load generator for collab's realtime fan-out: many WebSocket clients in many workspaces, spread over several
 * instances, each sending timestamped events at a fixed mean rate; every socket measures the delay of every
 * broadcast it receives and checks that the workspace's {@code seq} has no holes.
 *
 * <p>Sender and receivers live in this one JVM, so a message's latency is simply {@code System.nanoTime()} at
 * receipt minus the {@code System.nanoTime()} the sender put in its payload. It only ever connects to loopback.
 *
 * <p>Threads: each socket belongs to one of {@code --client-loops} event loops and all its state (and the loop's
 * statistics) is touched only there; the main thread drives the phases and reads shared counters for progress.
 */
public final class RealtimeBench {

  private static final String USAGE = """
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

  // ---- options ------------------------------------------------------------------------------------------------

  record Host(String host, int port) {
    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  static final class Options {
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
    String runId = Long.toString(System.currentTimeMillis(), 36) + Integer.toString(
        ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);

    static Options parse(String[] args) {
      Options o = new Options();
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
          case "--hosts" -> o.hosts = Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty())
              .map(s -> new Host(s.substring(0, s.lastIndexOf(':')), Integer.parseInt(s.substring(s.lastIndexOf(':') + 1))))
              .toList();
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
          case "--watch" -> {
            for (String part : v.split(",")) {
              if (!part.isBlank()) {
                String[] kv = part.split("=", 2);
                o.watch.put(kv[0].trim(), Long.parseLong(kv[1].trim()));
              }
            }
          }
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      if (o.hosts.isEmpty() || o.sockets < 1 || o.workspaces < 1 || o.users < 1 || o.rate <= 0 || o.duration < 1
          || o.warmup < 0 || o.drain < 0 || o.concurrency < 1 || o.loops < 1 || o.senders < 0 || o.senders > 1
          || o.duration > 3600 || o.warmup > 600 || o.drain > 120) {
        throw new IllegalArgumentException("an option is out of range (duration <= 3600, warmup <= 600, drain <= 120)");
      }
      if (!o.runId.matches("[A-Za-z0-9]{1,40}")) {
        throw new IllegalArgumentException("--run-id must be 1 to 40 letters or digits");
      }
      List<Host> targets = new ArrayList<>(o.hosts);
      if (o.redisSpy != null) {
        targets.add(o.redisSpy);
      }
      for (Host h : targets) {
        try {
          for (InetAddress address : InetAddress.getAllByName(h.host())) {
            if (!address.isLoopbackAddress()) {
              throw new IllegalArgumentException(h + " is not a loopback address; this benchmark only targets loopback");
            }
          }
        } catch (java.net.UnknownHostException e) {
          throw new IllegalArgumentException("unknown host " + h.host());
        }
      }
      return o;
    }
  }

  // ---- per-socket and per-loop state --------------------------------------------------------------------------

  /** One client socket; touched only on its loop's thread. */
  static final class Sock {
    final int index;
    final int workspace;   // index into workspaceIds
    final int user;
    final Host host;
    final Loop loop;
    final boolean sender;
    WebSocket ws;
    boolean ready;
    boolean open;
    long lastSeq = -1;
    Promise<Void> readyPromise;
    long readyTimer = -1;

    Sock(int index, int workspace, int user, Host host, Loop loop, boolean sender) {
      this.index = index;
      this.workspace = workspace;
      this.user = user;
      this.host = host;
      this.loop = loop;
      this.sender = sender;
    }
  }

  /** An event loop of the client with the statistics of its sockets (only its thread touches them). */
  static final class Loop {
    final int id;
    Context context;
    final List<Sock> sockets = new ArrayList<>();
    long[] latencies = new long[1 << 16];
    long[] sentAt = new long[1 << 16];   // the send time (nanoTime) of each latency sample
    int latencyCount;
    // wall-clock split of each measured delivery at the server's accept time ("ts", ms): client -> server accept,
    // and server accept -> this socket
    long[] ingress = new long[1 << 16];
    long[] egress = new long[1 << 16];
    int splitCount;
    long sentMeasured;
    long sentWarmup;
    long deliveredMeasured;
    long deliveredOther;         // bench broadcasts sent outside the measured window
    long otherBroadcasts;        // user_join, user_leave and the like
    long foreignBroadcasts;      // broadcasts by users of another run (shared Redis pub/sub channels)
    long seqGaps;                // times a socket saw seq jump forward
    long seqMissing;             // seqs skipped in those jumps
    long seqBackwards;           // duplicates or out-of-order seqs
    long recoveryFailed;
    long writeQueueFull;
    final Map<String, Long> errors = new TreeMap<>();
    final Map<String, Long> closes = new TreeMap<>();
    String minutePrefix = "";
    long minuteMillis;

    Loop(int id) {
      this.id = id;
    }

    void latency(long sent, long nanos) {
      if (latencyCount == latencies.length) {
        latencies = Arrays.copyOf(latencies, latencies.length * 2);
        sentAt = Arrays.copyOf(sentAt, sentAt.length * 2);
      }
      sentAt[latencyCount] = sent;
      latencies[latencyCount++] = nanos;
    }

    void split(long in, long out) {
      if (splitCount == ingress.length) {
        ingress = Arrays.copyOf(ingress, ingress.length * 2);
        egress = Arrays.copyOf(egress, egress.length * 2);
      }
      ingress[splitCount] = in;
      egress[splitCount++] = out;
    }

    void count(Map<String, Long> map, String key) {
      map.merge(key, 1L, Long::sum);
    }
  }

  /** Deployed once per client loop, only to obtain an event-loop context of its own. */
  private static final class Anchor extends VerticleBase {
    private final List<Context> contexts;

    Anchor(List<Context> contexts) {
      this.contexts = contexts;
    }

    @Override
    public Future<?> start() {
      contexts.add(context);
      return Future.succeededFuture();
    }
  }

  /**
   * A plain Redis subscriber (RESP2 over a NetSocket) on the workspaces' channels: it sees each broadcast once, at
   * about the moment Redis publishes it, and records how long after its send that was.
   */
  final class RedisSpy {
    final Context context;
    Buffer pending = Buffer.buffer();
    int pos;
    long[] latencies = new long[1 << 16];
    int count;
    long messages;
    long seqGaps;
    final Map<String, Long> lastSeq = new java.util.HashMap<>();
    String failure;

    RedisSpy(Context context) {
      this.context = context;
    }

    Future<Void> start(long[] workspaceIds) {
      Promise<Void> subscribed = Promise.promise();
      context.runOnContext(v -> vertx.createNetClient().connect(o.redisSpy.port(), o.redisSpy.host())
          .onFailure(err -> {
            failure = err.getMessage();
            subscribed.tryComplete();
          })
          .onSuccess(socket -> {
            socket.handler(data -> {
              try {
                onData(data);
              } catch (RuntimeException e) {
                failure = "parse error at " + java.time.LocalTime.now().withNano(0) + ": " + e;
                socket.close();
              }
            });
            socket.exceptionHandler(err -> failure = "socket error at " + java.time.LocalTime.now().withNano(0) + ": " + err);
            socket.closeHandler(x -> failure = failure != null ? failure
                : "connection closed at " + java.time.LocalTime.now().withNano(0));
            StringBuilder cmd = new StringBuilder();
            cmd.append('*').append(workspaceIds.length + 1).append("\r\n$9\r\nSUBSCRIBE\r\n");
            for (long id : workspaceIds) {
              String channel = "collab:" + o.redisSpyDb + ":ws:" + id; // io.collab.realtime.Channels
              cmd.append('$').append(channel.length()).append("\r\n").append(channel).append("\r\n");
            }
            socket.write(cmd.toString());
            // the confirmations arrive before any message published after them; a short wait is plenty
            vertx.setTimer(500, t -> subscribed.tryComplete());
          }));
      return subscribed.future();
    }

    private static final Object INCOMPLETE = new Object();

    private void onData(Buffer data) {
      long now = System.nanoTime();
      pending.appendBuffer(data);
      while (true) {
        int start = pos;
        Object value = parse();
        if (value == INCOMPLETE) {
          pos = start;
          break;
        }
        if (value instanceof List<?> list && list.size() == 3 && "message".equals(list.get(0))) {
          onMessage((String) list.get(1), (String) list.get(2), now);
        }
      }
      if (pos > 0) {
        pending = pending.getBuffer(pos, pending.length());
        pos = 0;
      }
    }

    private Object parse() {
      int eol = lineEnd();
      if (eol < 0) {
        return INCOMPLETE;
      }
      char type = (char) pending.getByte(pos);
      String line = pending.getString(pos + 1, eol);
      pos = eol + 2;
      switch (type) {
        case '*' -> {
          int n = Integer.parseInt(line);
          List<Object> items = new ArrayList<>(Math.max(0, n));
          for (int i = 0; i < n; i++) {
            Object item = parse();
            if (item == INCOMPLETE) {
              return INCOMPLETE;
            }
            items.add(item);
          }
          return items;
        }
        case '$' -> {
          int n = Integer.parseInt(line);
          if (n < 0) {
            return null;
          }
          if (pending.length() < pos + n + 2) {
            return INCOMPLETE;
          }
          String bulk = pending.getString(pos, pos + n, "UTF-8");
          pos += n + 2;
          return bulk;
        }
        default -> {
          return line;
        }
      }
    }

    private int lineEnd() {
      for (int i = pos; i + 1 < pending.length(); i++) {
        if (pending.getByte(i) == '\r' && pending.getByte(i + 1) == '\n') {
          return i;
        }
      }
      return -1;
    }

    private void onMessage(String channel, String message, long now) {
      messages++;
      JsonObject m;
      try {
        m = new JsonObject(message);
      } catch (RuntimeException e) {
        return;
      }
      Long seq = m.getLong("seq");
      if (seq != null) {
        Long last = lastSeq.put(channel, seq);
        if (last != null && seq > last + 1) {
          seqGaps++;
        }
      }
      if (!"bench".equals(m.getString("event")) || !m.getString("user", "").startsWith("bench-" + o.runId + "-")) {
        return;
      }
      long t = m.getJsonObject("payload").getLong("t");
      if (t >= measureStart && t < measureEnd) {
        if (count == latencies.length) {
          latencies = Arrays.copyOf(latencies, count * 2);
        }
        latencies[count++] = now - t;
      }
    }
  }

  // ---- the run ------------------------------------------------------------------------------------------------

  private final Options o;
  private final Vertx vertx;
  private final WebClient web;
  private final WebSocketClient wsClient;
  private final List<Loop> loops = new ArrayList<>();
  private final List<Sock> sockets = new ArrayList<>();
  private final String password = "Bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-pw";

  private long[] workspaceIds;
  private RedisSpy spy;
  private String[] userTokens;
  private String[] userEmails;

  // phase boundaries (System.nanoTime), written by main before senders start (runOnContext publishes them)
  private volatile long measureStart = Long.MAX_VALUE;
  private volatile long measureEnd = Long.MAX_VALUE;
  private volatile long measureStartWallMillis;
  private volatile boolean stopping;

  // progress counters, read by main
  private final LongAdder progressSent = new LongAdder();
  private final LongAdder progressDelivered = new LongAdder();
  private final LongAdder progressLatencySum = new LongAdder();
  private final LongAccumulator progressLatencyMax = new LongAccumulator(Math::max, 0);
  private final LongAdder measuredDelivered = new LongAdder();
  private final LongAdder unexpectedCloses = new LongAdder();
  private AtomicLongArray sentPerWorkspace;
  private AtomicIntegerArray readyPerWorkspace;
  private final List<Long> connectNanos = new CopyOnWriteArrayList<>();
  private final Map<String, Long> connectFailures = new java.util.concurrent.ConcurrentSkipListMap<>();

  RealtimeBench(Options o) {
    this.o = o;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.loops + 2));
    this.web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(10_000),
        new PoolOptions().setHttp1MaxSize(16));
    this.wsClient = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxConnections(Math.max(o.sockets, 50))
        .setConnectTimeout(30_000)
        .setTcpNoDelay(true)
        .setTryUsePerMessageCompression(o.compression)
        .setClosingTimeout(5));
  }

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (RuntimeException e) {
      System.err.println("bench: bad arguments: " + e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    RealtimeBench bench = new RealtimeBench(options);
    BenchRuns.exitAfter("bench", 900L + options.warmup + options.duration + options.drain, bench::run,
        () -> bench.vertx);
  }

  int run() throws Exception {
    say("run %s: %s, %d sockets over %s, %d workspaces, %d users, %s", o.runId, o.idle ? "idle" : "fan-out",
        o.sockets, o.hosts, o.workspaces, o.users, o.idle ? "hold " + o.duration + " s"
            : String.format(Locale.ROOT, "%.3g msg/s per socket, warmup %d s, measure %d s", o.rate, o.warmup, o.duration));
    say("loadavg at start: %s", loadavg());

    List<Context> contexts = new CopyOnWriteArrayList<>();
    vertx.deployVerticle(() -> new Anchor(contexts), new DeploymentOptions().setInstances(o.loops + 1))
        .await(30, TimeUnit.SECONDS);
    for (int i = 0; i < o.loops; i++) {
      Loop loop = new Loop(i);
      loop.context = contexts.get(i);
      loops.add(loop);
    }

    long setupStart = System.nanoTime();
    setup();
    say("setup done in %.1f s: %d users + 1 owner registered and logged in, %d workspaces (ids %d..%d), "
            + "users added as collaborators", secondsSince(setupStart), o.users, o.workspaces,
        Arrays.stream(workspaceIds).min().orElse(0), Arrays.stream(workspaceIds).max().orElse(0));

    if (o.gate != null) {
      System.out.println("BENCH-SETUP-DONE");
      System.out.flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (!Files.exists(Path.of(o.gate))) {
        if (System.nanoTime() > deadline) {
          say("gate %s did not appear within 300 s", o.gate);
          return 1;
        }
        Thread.sleep(100);
      }
    }

    if (o.redisSpy != null) {
      spy = new RedisSpy(contexts.get(o.loops));
      spy.start(workspaceIds).await(10, TimeUnit.SECONDS);
      say("redis spy: %s", spy.failure == null ? "subscribed to " + workspaceIds.length + " channels on " + o.redisSpy
          : "failed: " + spy.failure);
    }

    long connectStart = System.nanoTime();
    connectAll();
    double connectSeconds = secondsSince(connectStart);
    int connected = 0;
    for (int w = 0; w < o.workspaces; w++) {
      connected += readyPerWorkspace.get(w);
    }
    say("connected %d of %d sockets in %.1f s (%s)", connected, o.sockets, connectSeconds,
        connectFailures.isEmpty() ? "no failures" : "failures " + connectFailures);
    if (connected == 0) {
      return 1;
    }

    Report report = o.idle ? idle() : fanout();
    report.connected = connected;
    report.connectSeconds = connectSeconds;

    // close everything politely, then gather the statistics of each loop
    stopping = true;
    List<Future<Void>> closing = new ArrayList<>();
    for (Loop loop : loops) {
      Promise<Void> done = Promise.promise();
      loop.context.runOnContext(v -> {
        List<Future<Void>> all = new ArrayList<>();
        for (Sock s : loop.sockets) {
          if (s.ws != null && s.open) {
            all.add(s.ws.close((short) 1000, "bench done").recover(err -> Future.succeededFuture()));
          }
        }
        Future.join(all).onComplete(r -> done.complete());
      });
      closing.add(done.future());
    }
    try {
      Future.join(closing).await(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      say("not every socket closed within 20 s");
    }
    print(report);
    return 0;
  }

  // ---- setup over REST ----------------------------------------------------------------------------------------

  private void setup() throws Exception {
    Host api = o.hosts.get(0);
    String ownerEmail = "bench-" + o.runId + "-owner@example.com";
    register(api, ownerEmail, "bench_" + o.runId + "_owner").await(120, TimeUnit.SECONDS);
    String owner = login(api, ownerEmail).await(120, TimeUnit.SECONDS);

    userEmails = new String[o.users];
    userTokens = new String[o.users];
    List<Supplier<Future<?>>> tasks = new ArrayList<>();
    for (int u = 0; u < o.users; u++) {
      int user = u;
      userEmails[u] = "bench-" + o.runId + "-u" + u + "@example.com";
      tasks.add(() -> register(api, userEmails[user], "bench_" + o.runId + "_u" + user)
          .compose(v -> login(api, userEmails[user]))
          .onSuccess(token -> userTokens[user] = token));
    }
    BenchRuns.bounded(tasks, 4, 300);

    JsonObject project = post(api, "/api/projects/projects/", owner,
        new JsonObject().put("name", "bench " + o.runId)).await(60, TimeUnit.SECONDS);
    long projectId = project.getLong("id");
    workspaceIds = new long[o.workspaces];
    tasks.clear();
    for (int w = 0; w < o.workspaces; w++) {
      int ws = w;
      tasks.add(() -> post(api, "/api/projects/workspaces/", owner,
          new JsonObject().put("project", projectId).put("name", "ws " + ws))
          .onSuccess(body -> workspaceIds[ws] = body.getLong("id")));
    }
    BenchRuns.bounded(tasks, 16, 300);

    // every socket user joins every workspace that one of its sockets uses
    int perWorkspace = (o.sockets + o.workspaces - 1) / o.workspaces;
    int usersPerWorkspace = Math.min(o.users, perWorkspace);
    tasks.clear();
    for (int w = 0; w < o.workspaces; w++) {
      for (int u = 0; u < usersPerWorkspace; u++) {
        long workspaceId = workspaceIds[w];
        String email = userEmails[u];
        tasks.add(() -> post(api, "/api/projects/workspaces/" + workspaceId + "/members/", owner,
            new JsonObject().put("email", email).put("role", "collaborator")));
      }
    }
    BenchRuns.bounded(tasks, 16, 600);
  }

  private Future<Void> register(Host api, String email, String username) {
    return post(api, "/api/auth/register/", null,
        new JsonObject().put("email", email).put("username", username).put("password", password)).mapEmpty();
  }

  private Future<String> login(Host api, String email) {
    return post(api, "/api/auth/login/", null, new JsonObject().put("email", email).put("password", password))
        .map(body -> body.getString("access"));
  }

  private Future<JsonObject> post(Host host, String path, String token, JsonObject body) {
    // idleTimeout, not timeout: in Vert.x 5.0.7 a request timeout leaves a timer behind that logs
    // "IllegalStateException: Promise already completed" when it fires after the request got its connection
    HttpRequest<Buffer> request = web.post(host.port(), host.host(), path).idleTimeout(60_000);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return request.sendJsonObject(body).compose((HttpResponse<Buffer> response) -> {
      if (response.statusCode() / 100 != 2) {
        return Future.failedFuture(new IllegalStateException("POST " + path + " -> " + response.statusCode() + " "
            + response.bodyAsString()));
      }
      Buffer raw = response.body();
      return Future.succeededFuture(raw == null || raw.length() == 0 ? new JsonObject() : raw.toJsonObject());
    });
  }

  // ---- sockets ------------------------------------------------------------------------------------------------

  private void connectAll() throws Exception {
    sentPerWorkspace = new AtomicLongArray(o.workspaces);
    readyPerWorkspace = new AtomicIntegerArray(o.workspaces);
    int hosts = o.hosts.size();
    for (int i = 0; i < o.sockets; i++) {
      int w = i % o.workspaces;
      int slot = i / o.workspaces;
      // (w + slot) mod hosts: over all sockets this alternates hosts, and each workspace has sockets on every host
      Host host = o.hosts.get((w + slot) % hosts);
      Loop loop = loops.get(i % o.loops);
      boolean sender = !o.idle && (o.senders >= 1 || ThreadLocalRandom.current().nextDouble() < o.senders);
      Sock s = new Sock(i, w, slot % o.users, host, loop, sender);
      sockets.add(s);
      loop.sockets.add(s);
    }
    Semaphore permits = new Semaphore(o.concurrency);
    List<Future<Void>> all = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
    long lastNote = System.nanoTime();
    for (Sock s : sockets) {
      if (!permits.tryAcquire(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException("connecting took longer than 600 s");
      }
      Promise<Void> ready = Promise.promise();
      s.loop.context.runOnContext(v -> open(s, ready));
      ready.future().onComplete(r -> permits.release());
      all.add(ready.future());
      if (System.nanoTime() - lastNote > TimeUnit.SECONDS.toNanos(5)) {
        lastNote = System.nanoTime();
        say("  connecting: %d started, %d ready", s.index + 1, connectNanos.size());
      }
    }
    Future.join(all).await(Math.max(1, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime())), TimeUnit.SECONDS);
  }

  /** On the socket's loop: handshake, then wait for presence_state (at most 30 s). */
  private void open(Sock s, Promise<Void> ready) {
    long started = System.nanoTime();
    s.readyPromise = ready;
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost(s.host.host()).setPort(s.host.port())
        .setURI("/ws/workspaces/" + workspaceIds[s.workspace] + "/?token=" + userTokens[s.user]);
    s.readyTimer = vertx.setTimer(30_000, t -> {
      if (!s.ready) {
        connectFailures.merge("no presence_state within 30 s", 1L, Long::sum);
        if (s.ws != null) {
          s.ws.close();
        }
        ready.tryComplete();
      }
    });
    wsClient.connect(options).onComplete(ar -> {
      if (ar.failed()) {
        Throwable err = ar.cause();
        String why = err instanceof UpgradeRejectedException rejected ? "handshake " + rejected.getStatus()
            : err.getClass().getSimpleName() + ": " + err.getMessage();
        connectFailures.merge(why, 1L, Long::sum);
        vertx.cancelTimer(s.readyTimer);
        ready.tryComplete();
        return;
      }
      WebSocket ws = ar.result();
      s.ws = ws;
      s.open = true;
      ws.textMessageHandler(text -> onText(s, text, started));
      ws.exceptionHandler(err -> s.loop.count(s.loop.errors, (stopping ? "while closing at the end: " : "")
          + "socket exception: " + err.getClass().getSimpleName()));
      ws.closeHandler(v -> {
        s.open = false;
        if (!stopping) {
          Short code = ws.closeStatusCode();
          s.loop.count(s.loop.closes, (code == null ? "none" : code.toString())
              + (ws.closeReason() == null ? "" : " " + ws.closeReason()));
          unexpectedCloses.increment();
        }
        if (!s.ready) {
          connectFailures.merge("closed before presence_state", 1L, Long::sum);
          vertx.cancelTimer(s.readyTimer);
          ready.tryComplete();
        }
      });
    });
  }

  /** On the socket's loop: every server message. */
  private void onText(Sock s, String text, long connectStarted) {
    long now = System.nanoTime();
    Loop loop = s.loop;
    // Fast path for the bulk of the traffic, so that the load generator's own CPU stays small: the server writes
    // {"type":"broadcast","event":..,"payload":{..},"user":..,"ts":..,"epoch":..,"seq":N} in this order
    // (Protocol.unsequenced, then the sequencer);
    // anything that does not match exactly is parsed in full below.
    if (text.startsWith("{\"type\":\"broadcast\",\"event\":\"bench\",\"payload\":{\"t\":")) {
      long t = number(text, text.indexOf("\"t\":") + 4);
      long sentWall = number(text, text.indexOf(",\"w\":") + 5);
      int userAt = text.indexOf("},\"user\":\"");
      int tsAt = text.indexOf("\",\"ts\":\"", userAt);
      int seqAt = text.lastIndexOf(",\"seq\":");
      if (t > 0 && sentWall > 0 && userAt > 0 && tsAt > 0 && seqAt > tsAt) {
        long seq = number(text, seqAt + 7);
        boolean ours = text.startsWith("bench-" + o.runId + "-", userAt + 10);
        String ts = text.substring(tsAt + 8, text.indexOf('"', tsAt + 8));
        onBroadcast(s, loop, now, seq, ours, true, t, sentWall, ts);
        return;
      }
    }
    JsonObject m;
    try {
      m = new JsonObject(text);
    } catch (RuntimeException e) {
      loop.count(loop.errors, "unparseable server message");
      return;
    }
    String type = m.getString("type", "");
    switch (type) {
      case "broadcast" -> {
        Long seqValue = m.getLong("seq");
        boolean ours = m.getString("user", "").startsWith("bench-" + o.runId + "-");
        boolean bench = "bench".equals(m.getString("event"));
        JsonObject payload = bench ? m.getJsonObject("payload") : null;
        Long t = payload == null ? null : payload.getLong("t");
        Long sentWall = payload == null ? null : payload.getLong("w");
        onBroadcast(s, loop, now, seqValue == null ? -1 : seqValue, ours, bench && t != null, t == null ? 0 : t,
            sentWall == null ? 0 : sentWall, m.getString("ts"));
      }
      case "presence_state" -> {
        if (!s.ready) {
          s.ready = true;
          vertx.cancelTimer(s.readyTimer);
          connectNanos.add(now - connectStarted);
          readyPerWorkspace.incrementAndGet(s.workspace);
          s.readyPromise.tryComplete();
        } else {
          loop.count(loop.errors, "second presence_state");
        }
      }
      case "error" -> loop.count(loop.errors, "error " + m.getString("error") + ": " + m.getString("detail"));
      case "recovery_failed" -> loop.recoveryFailed++;
      default -> loop.count(loop.errors, "unexpected message type " + type);
    }
  }

  private void onBroadcast(Sock s, Loop loop, long now, long seq, boolean ours, boolean bench, long t, long sentWall,
                           String ts) {
    if (s.lastSeq >= 0) {
      if (seq > s.lastSeq + 1) {
        loop.seqGaps++;
        loop.seqMissing += seq - s.lastSeq - 1;
      } else if (seq <= s.lastSeq) {
        loop.seqBackwards++;
      }
    }
    s.lastSeq = Math.max(s.lastSeq, seq);
    if (!ours) {
      loop.foreignBroadcasts++;
      return;
    }
    if (!bench) {
      loop.otherBroadcasts++;
      return;
    }
    long latency = now - t;
    if (t >= measureStart && t < measureEnd) {
      loop.deliveredMeasured++;
      loop.latency(t, latency);
      measuredDelivered.increment();
      if (sentWall > 0 && ts != null) {
        long accepted = epochMillis(loop, ts);
        loop.split(accepted - sentWall, System.currentTimeMillis() - accepted);
      }
    } else {
      loop.deliveredOther++;
    }
    progressDelivered.increment();
    progressLatencySum.add(latency);
    progressLatencyMax.accumulate(latency);
  }

  /** The non-negative integer at {@code at}, or -1. */
  private static long number(String text, int at) {
    if (at < 0 || at >= text.length()) {
      return -1;
    }
    long n = 0;
    int i = at;
    for (; i < text.length() && Character.isDigit(text.charAt(i)); i++) {
      n = n * 10 + (text.charAt(i) - '0');
    }
    return i == at ? -1 : n;
  }

  /** ts is ISO-8601 UTC with milliseconds, the fraction left out when it is .000: the loop caches the minute. */
  private static long epochMillis(Loop loop, String ts) {
    // yyyy-MM-ddTHH:mm:ss[.SSS]Z
    if (ts.length() < 20 || ts.charAt(16) != ':') {
      return java.time.Instant.parse(ts).toEpochMilli();
    }
    String prefix = ts.substring(0, 17);
    if (!prefix.equals(loop.minutePrefix)) {
      loop.minuteMillis = java.time.Instant.parse(prefix + "00Z").toEpochMilli();
      loop.minutePrefix = prefix;
    }
    long seconds = (ts.charAt(17) - '0') * 10 + (ts.charAt(18) - '0');
    long millis = 0;
    if (ts.charAt(19) == '.') {
      for (int i = 20, scale = 100; i < ts.length() && Character.isDigit(ts.charAt(i)); i++, scale /= 10) {
        millis += (ts.charAt(i) - '0') * scale;
      }
    }
    return loop.minuteMillis + seconds * 1000 + millis;
  }

  /** On the socket's loop: send one event now and schedule the next, until the measured window ends. */
  private void send(Sock s, long periodNanos) {
    if (!s.open || stopping) {
      return;
    }
    long t = System.nanoTime();
    if (t >= measureEnd) {
      return;
    }
    if (s.ws.writeQueueFull()) {
      s.loop.writeQueueFull++;
    }
    s.ws.writeTextMessage("{\"event\":\"bench\",\"payload\":{\"t\":" + t + ",\"w\":" + System.currentTimeMillis()
        + ",\"from\":" + s.index + "}}");
    if (t >= measureStart) {
      s.loop.sentMeasured++;
      sentPerWorkspace.incrementAndGet(s.workspace);
    } else {
      s.loop.sentWarmup++;
    }
    progressSent.increment();
    long gap = (long) (periodNanos * (0.5 + ThreadLocalRandom.current().nextDouble()));
    vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(gap)), id -> send(s, periodNanos));
  }

  // ---- scenarios ----------------------------------------------------------------------------------------------

  static final class Report {
    int connected;
    double connectSeconds;
    double measuredSeconds;
    CpuSample cpuStart;
    CpuSample cpuEnd;
    long gcCountDuring;
    long gcMillisDuring;
    String loadStart;
    String loadEnd;
    double drainSeconds;
  }

  private Report fanout() throws Exception {
    Report report = new Report();
    long periodNanos = (long) (1e9 / o.rate);
    long now = System.nanoTime();
    measureStart = now + TimeUnit.SECONDS.toNanos(o.warmup);
    measureStartWallMillis = System.currentTimeMillis() + o.warmup * 1000L;
    measureEnd = measureStart + TimeUnit.SECONDS.toNanos(o.duration);
    for (Loop loop : loops) {
      loop.context.runOnContext(v -> {
        for (Sock s : loop.sockets) {
          if (s.sender && s.open) {
            long first = (long) (periodNanos * ThreadLocalRandom.current().nextDouble());
            vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(first)), id -> send(s, periodNanos));
          }
        }
      });
    }
    long wallNow = System.currentTimeMillis();
    say("sending; warmup %d s, then measuring %d s", o.warmup, o.duration);
    System.out.printf(Locale.ROOT, "BENCH-WINDOW %d %d%n", wallNow + o.warmup * 1000L,
        wallNow + (o.warmup + (long) o.duration) * 1000L);
    long tick = now;
    long lastTick = now;
    while (System.nanoTime() < measureEnd) {
      boolean sampleDue = report.cpuStart == null;
      long wake = Math.min(tick + TimeUnit.SECONDS.toNanos(5), measureEnd);
      if (sampleDue && measureStart < wake) {
        wake = measureStart;
      }
      sleepUntil(wake);
      if (sampleDue && wake == measureStart) {
        report.cpuStart = CpuSample.take(o.watch);
        report.loadStart = loadavg();
        report.gcCountDuring = -gcCount();
        report.gcMillisDuring = -gcMillis();
        continue;
      }
      tick = wake;
      double interval = (System.nanoTime() - lastTick) / 1e9;
      lastTick = System.nanoTime();
      long sent = progressSent.sumThenReset();
      long delivered = progressDelivered.sumThenReset();
      long latencySum = progressLatencySum.sumThenReset();
      long latencyMax = progressLatencyMax.getThenReset();
      say("  %s t=%3ds %-7s sent %7.1f/s  delivered %8.1f/s  latency mean %6.2f ms, max %7.2f ms  closes %d",
          java.time.LocalTime.now().withNano(0), Math.round((System.nanoTime() - now) / 1e9),
          System.nanoTime() > measureStart ? "measure" : "warmup",
          sent / interval, delivered / interval, delivered == 0 ? 0.0 : latencySum / (double) delivered / 1e6,
          latencyMax / 1e6, unexpectedCloses.sum());
    }
    if (report.cpuStart == null) {
      report.cpuStart = CpuSample.take(o.watch);
      report.loadStart = loadavg();
    }
    report.cpuEnd = CpuSample.take(o.watch);
    report.loadEnd = loadavg();
    report.gcCountDuring += gcCount();
    report.gcMillisDuring += gcMillis();
    report.measuredSeconds = o.duration;

    long drainStart = System.nanoTime();
    long drainDeadline = drainStart + TimeUnit.SECONDS.toNanos(o.drain);
    while (System.nanoTime() < drainDeadline && measuredDelivered.sum() < expected()) {
      Thread.sleep(50);
    }
    report.drainSeconds = secondsSince(drainStart);
    return report;
  }

  private Report idle() throws Exception {
    Report report = new Report();
    System.out.println("BENCH-IDLE-READY " + connectNanos.size());
    System.out.flush();
    report.cpuStart = CpuSample.take(o.watch);
    report.loadStart = loadavg();
    report.gcCountDuring = -gcCount();
    report.gcMillisDuring = -gcMillis();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(o.duration);
    long tick = start;
    while (System.nanoTime() < end) {
      tick += TimeUnit.SECONDS.toNanos(10);
      sleepUntil(Math.min(tick, end));
      say("  holding: t=%3ds, closes so far %d", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
          unexpectedCloses.sum());
    }
    report.cpuEnd = CpuSample.take(o.watch);
    report.loadEnd = loadavg();
    report.gcCountDuring += gcCount();
    report.gcMillisDuring += gcMillis();
    report.measuredSeconds = o.duration;
    return report;
  }

  private long expected() {
    long total = 0;
    for (int w = 0; w < o.workspaces; w++) {
      total += sentPerWorkspace.get(w) * readyPerWorkspace.get(w);
    }
    return total;
  }

  // ---- report -------------------------------------------------------------------------------------------------

  private void print(Report r) throws Exception {
    // gather each loop's statistics on its own thread
    Loop total = new Loop(-1);
    for (Loop loop : loops) {
      Promise<Void> done = Promise.promise();
      loop.context.runOnContext(v -> {
        synchronized (total) {
          if (total.latencyCount + loop.latencyCount > total.latencies.length) {
            total.latencies = Arrays.copyOf(total.latencies, total.latencyCount + loop.latencyCount);
            total.sentAt = Arrays.copyOf(total.sentAt, total.latencyCount + loop.latencyCount);
          }
          System.arraycopy(loop.latencies, 0, total.latencies, total.latencyCount, loop.latencyCount);
          System.arraycopy(loop.sentAt, 0, total.sentAt, total.latencyCount, loop.latencyCount);
          total.latencyCount += loop.latencyCount;
          for (int i = 0; i < loop.splitCount; i++) {
            total.split(loop.ingress[i], loop.egress[i]);
          }
          total.sentMeasured += loop.sentMeasured;
          total.sentWarmup += loop.sentWarmup;
          total.deliveredMeasured += loop.deliveredMeasured;
          total.deliveredOther += loop.deliveredOther;
          total.otherBroadcasts += loop.otherBroadcasts;
          total.foreignBroadcasts += loop.foreignBroadcasts;
          total.seqGaps += loop.seqGaps;
          total.seqMissing += loop.seqMissing;
          total.seqBackwards += loop.seqBackwards;
          total.recoveryFailed += loop.recoveryFailed;
          total.writeQueueFull += loop.writeQueueFull;
          loop.errors.forEach((k, n) -> total.errors.merge(k, n, Long::sum));
          loop.closes.forEach((k, n) -> total.closes.merge(k, n, Long::sum));
        }
        done.complete();
      });
      done.future().await(20, TimeUnit.SECONDS);
    }
    long expected = expected();
    long[] lat;
    long[] in;
    long[] out;
    int sliceSeconds = 10;
    int slices = (o.duration + sliceSeconds - 1) / sliceSeconds;
    long[][] bySlice = new long[slices][];
    synchronized (total) {
      int[] sizes = new int[slices];
      for (int i = 0; i < total.latencyCount; i++) {
        sizes[slice(total.sentAt[i], sliceSeconds, slices)]++;
      }
      for (int k = 0; k < slices; k++) {
        bySlice[k] = new long[sizes[k]];
        sizes[k] = 0;
      }
      for (int i = 0; i < total.latencyCount; i++) {
        int k = slice(total.sentAt[i], sliceSeconds, slices);
        bySlice[k][sizes[k]++] = total.latencies[i];
      }
      bucketMax = new long[o.duration];
      bucketCount = new long[o.duration];
      bucketSlow = new long[o.duration];
      for (int i = 0; i < total.latencyCount; i++) {
        int k = (int) Math.max(0, Math.min(o.duration - 1, (total.sentAt[i] - measureStart) / 1_000_000_000L));
        bucketMax[k] = Math.max(bucketMax[k], total.latencies[i]);
        bucketCount[k]++;
        if (total.latencies[i] > 50_000_000L) {
          bucketSlow[k]++;
        }
      }
      lat = Arrays.copyOf(total.latencies, total.latencyCount);
      in = Arrays.copyOf(total.ingress, total.splitCount);
      out = Arrays.copyOf(total.egress, total.splitCount);
    }
    Arrays.sort(lat);
    Arrays.sort(in);
    Arrays.sort(out);
    long[] connect = connectNanos.stream().mapToLong(Long::longValue).sorted().toArray();
    int minMembers = Integer.MAX_VALUE;
    int maxMembers = 0;
    for (int w = 0; w < o.workspaces; w++) {
      minMembers = Math.min(minMembers, readyPerWorkspace.get(w));
      maxMembers = Math.max(maxMembers, readyPerWorkspace.get(w));
    }

    StringBuilder b = new StringBuilder();
    b.append("\n== collab realtime benchmark, run ").append(o.runId).append(" ==\n");
    row(b, "scenario", o.idle ? "idle sockets" : "fan-out");
    row(b, "hosts", o.hosts.toString() + (o.compression ? ", permessage-deflate offered" : ""));
    row(b, "connections", String.format(Locale.ROOT, "%d of %d ready (presence_state received) in %.1f s; "
            + "handshake+presence p50 %.1f ms, p99 %.1f ms, max %.1f ms; failures %s", r.connected, o.sockets,
        r.connectSeconds, pct(connect, 50) / 1e6, pct(connect, 99) / 1e6, pct(connect, 100) / 1e6,
        connectFailures.isEmpty() ? "none" : connectFailures.toString()));
    row(b, "workspaces", String.format(Locale.ROOT, "%d, %d to %d sockets each, users per workspace %d", o.workspaces,
        minMembers, maxMembers, Math.min(o.users, (o.sockets + o.workspaces - 1) / o.workspaces)));
    if (!o.idle) {
      double secs = r.measuredSeconds;
      row(b, "rate", String.format(Locale.ROOT, "%.3g msg/s per sending socket, warmup %d s, measured %d s, "
          + "drain %.1f s", o.rate, o.warmup, o.duration, r.drainSeconds));
      row(b, "messages sent", String.format(Locale.ROOT, "%d in the measured window (%.1f/s); %d during warmup",
          total.sentMeasured, total.sentMeasured / secs, total.sentWarmup));
      row(b, "deliveries", String.format(Locale.ROOT, "%d of %d expected (sent x sockets of the sender's workspace, "
          + "sender included)", total.deliveredMeasured, expected));
      row(b, "delivery ratio", expected == 0 ? "n/a" : String.format(Locale.ROOT, "%.6f (missing %d)",
          total.deliveredMeasured / (double) expected, Math.max(0, expected - total.deliveredMeasured)));
      row(b, "deliveries/s", String.format(Locale.ROOT, "%.1f", total.deliveredMeasured / secs));
      row(b, "latency ms", String.format(Locale.ROOT, "p50 %.2f  p95 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (n=%d)",
          pct(lat, 50) / 1e6, pct(lat, 95) / 1e6, pct(lat, 99) / 1e6, pct(lat, 99.9) / 1e6, pct(lat, 100) / 1e6,
          lat.length));
      row(b, "  split ms", String.format(Locale.ROOT, "client send -> server accept (\"ts\"): p50 %d  p99 %d  max %d; "
          + "server accept -> delivered: p50 %d  p99 %d  max %d (wall clock, 1 ms resolution)",
          pct(in, 50), pct(in, 99), pct(in, 100), pct(out, 50), pct(out, 99), pct(out, 100)));
      StringBuilder sliced = new StringBuilder();
      for (int k = 0; k < slices; k++) {
        Arrays.sort(bySlice[k]);
        sliced.append(k == 0 ? "" : " | ").append(String.format(Locale.ROOT, "%d-%ds %.1f", k * sliceSeconds,
            Math.min(o.duration, (k + 1) * sliceSeconds), pct(bySlice[k], 99) / 1e6));
      }
      row(b, "  p99 by slice", sliced + " (ms; by send time within the measured window)");
      row(b, "  worst seconds", worstSeconds(lat.length, bySlice.length, sliceSeconds));
      if (spy != null) {
        Promise<long[]> spyLatencies = Promise.promise();
        long[] spyCounts = new long[2];
        String[] spyFailure = new String[1];
        spy.context.runOnContext(v -> {
          spyCounts[0] = spy.messages;
          spyCounts[1] = spy.seqGaps;
          spyFailure[0] = spy.failure;
          spyLatencies.complete(Arrays.copyOf(spy.latencies, spy.count));
        });
        long[] pub = spyLatencies.future().await(20, TimeUnit.SECONDS);
        Arrays.sort(pub);
        row(b, "  redis spy ms", String.format(Locale.ROOT, "client send -> published by Redis (seen by a plain "
                + "subscriber): p50 %.2f  p95 %.2f  p99 %.2f  max %.2f (n=%d of %d sent; %d messages, %d seq gaps seen)",
            pct(pub, 50) / 1e6, pct(pub, 95) / 1e6, pct(pub, 99) / 1e6, pct(pub, 100) / 1e6, pub.length,
            total.sentMeasured, spyCounts[0], spyCounts[1])
            + (spyFailure[0] == null ? "" : "; spy connection: " + spyFailure[0]));
      }
    }
    row(b, "seq", String.format(Locale.ROOT, "%d gaps (%d seqs missing), %d duplicate/out-of-order, %d recovery_failed",
        total.seqGaps, total.seqMissing, total.seqBackwards, total.recoveryFailed));
    row(b, "other broadcasts", String.format(Locale.ROOT, "%d (user_join/user_leave), %d bench outside the window, "
        + "%d from other runs", total.otherBroadcasts, total.deliveredOther, total.foreignBroadcasts));
    row(b, "errors", total.errors.isEmpty() ? "none" : total.errors.toString());
    row(b, "close codes", total.closes.isEmpty() ? "none before the end of the run" : total.closes.toString());
    if (total.writeQueueFull > 0) {
      row(b, "client backpressure", total.writeQueueFull + " sends found the socket's write queue full");
    }
    double window = r.measuredSeconds;
    row(b, "client JVM", String.format(Locale.ROOT, "%d GC pauses, %d ms total during the window; heap used now %d MB",
        r.gcCountDuring, r.gcMillisDuring, (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20));
    if (r.cpuStart != null && r.cpuEnd != null) {
      row(b, "cpu (window)", r.cpuEnd.describe(r.cpuStart, window));
      String waits = r.cpuEnd.describeWaits(r.cpuStart);
      if (!waits.isEmpty()) {
        row(b, "run-queue waits", waits);
      }
    }
    row(b, "loadavg", "start of window " + r.loadStart + " | end " + r.loadEnd);
    System.out.print(b);
    System.out.flush();
  }

  /** The five one-second buckets (by send time) with the highest latency, with wall-clock times to compare with GC logs. */
  private long[] bucketMax;
  private long[] bucketCount;
  private long[] bucketSlow;

  private String worstSeconds(int n, int slices, int sliceSeconds) {
    if (bucketMax == null) {
      return "n/a";
    }
    Integer[] order = new Integer[bucketMax.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, c) -> Long.compare(bucketMax[c], bucketMax[a]));
    StringBuilder b = new StringBuilder();
    java.time.format.DateTimeFormatter hms = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")
        .withZone(java.time.ZoneOffset.UTC);
    for (int i = 0; i < Math.min(5, order.length); i++) {
      int k = order[i];
      b.append(i == 0 ? "" : " | ").append(String.format(Locale.ROOT, "%s max %.0f ms, %d of %d over 50 ms",
          hms.format(java.time.Instant.ofEpochMilli(measureStartWallMillis + k * 1000L)), bucketMax[k] / 1e6,
          bucketSlow[k], bucketCount[k]));
    }
    return b + " (UTC)";
  }

  private int slice(long sentAt, int sliceSeconds, int slices) {
    long k = (sentAt - measureStart) / TimeUnit.SECONDS.toNanos(sliceSeconds);
    return (int) Math.max(0, Math.min(slices - 1, k));
  }

  private static void row(StringBuilder b, String name, String value) {
    b.append(String.format(Locale.ROOT, "%-18s %s%n", name, value));
  }

  private static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  // ---- process and machine statistics -------------------------------------------------------------------------

  private static long gcCount() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
  }

  private static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
  }

  private static String loadavg() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "n/a";
    }
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
  }

  private static double secondsSince(long nanoTime) {
    return (System.nanoTime() - nanoTime) / 1e9;
  }

  private static void say(String format, Object... args) {
    System.out.println("bench: " + String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}
