package io.collab.jobs;

import io.collab.support.Pause;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The job sandbox")
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class SandboxTest {

  private static final SandboxLimits LIMITS = SandboxLimits.DEFAULTS;
  private static final Pattern OURS = Pattern.compile("sandbox-started|/main\\.(py|js|sh)\\b|sleep \\d+\\.123");

  private static Vertx vertx;
  private static Sandbox sandbox;
  private static ListAppender<ILoggingEvent> blockedThreadWarnings;
  private static final Set<String> BEFORE = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void start() {
    BEFORE.addAll(leftovers(0)); // of tests that ran before in this JVM, ending at their own wall time
    vertx = Vertx.vertx();
    sandbox = new Sandbox(Sandbox.Mode.BWRAP);
    blockedThreadWarnings = new ListAppender<>();
    blockedThreadWarnings.start();
    ((Logger) LoggerFactory.getLogger("io.vertx.core.impl.BlockedThreadChecker"))
        .addAppender(blockedThreadWarnings);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    assertThat(blockedThreadWarnings.list).as("Vert.x blocked-thread warnings").isEmpty();
  }

  private static SandboxResult run(String language, String code) {
    return run(language, code, LIMITS);
  }

  private static SandboxResult run(String language, String code, SandboxLimits limits) {
    return run(language, code, null, limits);
  }

  /** The default limits but for the wall time. */
  private static SandboxLimits withWallTime(long ms) {
    return new SandboxLimits(ms, LIMITS.cpuSeconds(), LIMITS.memoryBytes(), LIMITS.maxProcesses(),
        LIMITS.maxOutputBytes());
  }

  private static SandboxResult run(String language, String code, String stdin, SandboxLimits limits) {
    return await(sandbox.run(vertx, language, code, stdin, limits));
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(14, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Sandbox processes still alive, found by command line (the machine may run other sandboxes as nobody): the
   * wrapper, the interpreters on /tmp/main.*, and sleeps of tests that last {@code N.123} seconds, either below this
   * JVM or orphaned (a killed bwrap's namespace is reparented away from the JVM), not below another JVM running these
   * tests at the same time. Polls up to 2 s: a namespace dies asynchronously.
   */
  private static List<String> leftovers() {
    return leftovers(2);
  }

  private static List<String> leftovers(int waitSeconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
    List<String> alive;
    do {
      alive = ProcessHandle.allProcesses()
          .filter(p -> p.isAlive() && !p.equals(ProcessHandle.current()))
          .filter(p -> OURS.matcher(p.info().commandLine().orElse("")).find() && ours(p))
          .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
          .filter(p -> !BEFORE.contains(p))
          .toList();
    } while (!alive.isEmpty() && System.nanoTime() < deadline && pause());
    return alive;
  }

  private static boolean ours(ProcessHandle process) {
    for (var ancestor = process.parent(); ancestor.isPresent(); ancestor = ancestor.get().parent()) {
      if (ancestor.get().equals(ProcessHandle.current())) {
        return true;
      }
      if (ancestor.get().info().command().orElse("").endsWith("/java")) {
        return false;
      }
    }
    return true;
  }

  /** For a do-while condition: waits, then says to go on. */
  private static boolean pause() {
    Pause.sleep(50);
    return true;
  }

  /** Runs {@code code} with the default limits; fails the test unless it ran cleanly. Returns what it printed. */
  private static String cleanOutput(String language, String code) {
    SandboxResult result = run(language, code);
    assertClean(result);
    return result.stdout();
  }

  private static void assertClean(SandboxResult result) {
    assertThat(result.error()).as("platform error").isNull();
    assertThat(result.exitCode()).as("exit code; stderr: %s", result.stderr()).isZero();
    assertThat(result.succeeded()).isTrue();
  }

  @Nested
  @DisplayName("runs each language")
  class Languages {

    @ParameterizedTest(name = "{0} runs")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
        python     | print('Hello World') | Hello World
        javascript | console.log(1+1)     | 2
        bash       | echo $((6*7))        | 42
        """)
    void language(String language, String code, String printed) {
      SandboxResult result = run(language, code);
      assertClean(result);
      assertThat(result.stdout()).isEqualTo(printed + "\n");
      assertThat(result.stderr()).isEmpty();
      assertThat(result.truncated()).isFalse();
      assertThat(result.durationMs()).isBetween(0L, 5_000L);
    }

    @Test
    @DisplayName("stdin reaches the program")
    void stdin() {
      SandboxResult python = run("python", "import sys\nprint(sys.stdin.read().upper(), end='')", "abc\ndef\n", LIMITS);
      assertClean(python);
      assertThat(python.stdout()).isEqualTo("ABC\nDEF\n");
      SandboxResult bash = run("bash", "read a; read b; echo \"$b-$a\"", "x\ny\n", LIMITS);
      assertThat(bash.stdout()).isEqualTo("y-x\n");
    }

    @Test
    @DisplayName("a non-zero exit and stderr are a result, not a platform error")
    void failingProgram() {
      SandboxResult result = run("python", "import sys\nprint('oops', file=sys.stderr)\nsys.exit(3)");
      assertThat(result.error()).isNull();
      assertThat(result.exitCode()).isEqualTo(3);
      assertThat(result.stderr()).isEqualTo("oops\n");
      assertThat(result.succeeded()).isFalse();
    }

    @Test
    @DisplayName("a language without interpreter is a platform error")
    void unknownLanguage() {
      SandboxResult result = run("cobol", "DISPLAY 'HI'.");
      assertThat(result.error()).isEqualTo("no interpreter for language 'cobol'");
      assertThat(result.succeeded()).isFalse();
    }

    @Test
    @DisplayName("completes on the caller's Vert.x context")
    void completesOnContext() {
      var context = vertx.getOrCreateContext();
      Future<Boolean> onContext = Future.future(p -> context.runOnContext(v ->
          sandbox.run(vertx, "bash", "true", null, LIMITS).onComplete(ar -> p.complete(vertx.getOrCreateContext() == context))));
      assertThat(await(onContext)).isTrue();
    }
  }

  @Nested
  @DisplayName("enforces its limits")
  class Limits {

    @Test
    @DisplayName("an infinite loop is killed at the wall time")
    void wallTime() {
      SandboxLimits limits = new SandboxLimits(1_500, 30, 256L << 20, 64, 65536);
      long start = System.nanoTime();
      SandboxResult result = run("python", "print('before', flush=True)\nwhile True: pass", limits);
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(result.error()).isNull();
      assertThat(result.timedOut()).isTrue();
      assertThat(result.exitCode()).isEqualTo(137);
      assertThat(result.stdout()).as("output before the kill is kept").isEqualTo("before\n");
      assertThat(took).isBetween(1_400L, 2_500L);
      assertThat(leftovers()).isEmpty();
    }

    @Test
    @DisplayName("a program that sleeps forever is killed at the wall time too")
    void wallTimeSleeping() {
      SandboxResult result = run("bash", "sleep 60.123 & sleep 60.123", withWallTime(1_000));
      assertThat(result.timedOut()).isTrue();
      assertThat(result.durationMs()).isLessThan(2_000L);
      assertThat(leftovers()).isEmpty();
    }

    @Test
    @DisplayName("CPU time is limited per process")
    void cpuTime() {
      SandboxLimits limits = new SandboxLimits(10_000, 1, 256L << 20, 64, 65536);
      SandboxResult result = run("python", "while True: pass", limits);
      assertThat(result.error()).isNull();
      assertThat(result.timedOut()).isTrue();
      assertThat(result.exitCode()).as("SIGXCPU").isEqualTo(128 + 24);
      assertThat(result.durationMs()).isLessThan(4_000L);
    }

    @Test
    @DisplayName("user code runs at a lower CPU priority than the JVM (jobs.niceness, default 10)")
    void niceness() {
      SandboxResult result = run("python", "import os; print(os.nice(0)); os.nice(-1)");
      assertThat(result.stdout()).isEqualTo(Sandbox.DEFAULT_NICENESS + "\n");
      assertThat(result.stderr()).as("it may not raise its priority back").contains("PermissionError");
    }

    @Test
    @DisplayName("a bash fork bomb is contained and the next job still runs")
    void bashForkBomb() throws Exception {
      // the bomb forks in the background while the script itself stays busy (builtins only) for two seconds
      String code = ":(){ :|:& };:\nSECONDS=0; while ((SECONDS < 2)); do true; done; echo survived";
      Future<SandboxResult> running = sandbox.run(vertx, "bash", code, null,
          withWallTime(4_000));
      Pause.sleep(1_000);
      long bombs = ProcessHandle.allProcesses()
          .filter(p -> p.info().commandLine().orElse("").contains("/tmp/main.sh") && ours(p))
          .filter(p -> !BEFORE.contains(p.pid() + " " + p.info().commandLine().orElse(""))).count();
      SandboxResult bomb = await(running);
      assertThat(bombs).as("processes of the bomb seen from the host").isBetween(2L, 64L);
      assertThat(bomb.stdout()).isEqualTo("survived\n");
      assertContained(bomb);
    }

    @Test
    @DisplayName("a python fork bomb is contained and the next job still runs")
    void pythonForkBomb() {
      SandboxResult bomb = run("python", "import os\nwhile True: os.fork()", withWallTime(3_000));
      assertThat(bomb.succeeded()).isFalse();
      assertContained(bomb);
    }

    /** A fork bomb's run ended within its wall time, left no process behind, and the next run is clean. */
    private static void assertContained(SandboxResult bomb) {
      assertThat(bomb.error()).isNull();
      assertThat(bomb.durationMs()).isLessThan(4_500L);
      assertThat(leftovers()).isEmpty();
      assertClean(run("bash", "echo ok"));
    }

    @Test
    @DisplayName("processes are counted per run: 64 allowed, the 65th fork fails")
    void processCount() {
      String code = "import os, time\nkids = 0\ntry:\n    for i in range(100):\n        if os.fork() == 0:\n"
          + "            time.sleep(5); os._exit(0)\n        kids += 1\nexcept OSError as e:\n    pass\nprint(kids)";
      SandboxResult result = run("python", code, new SandboxLimits(3_000, 5, 256L << 20, 10, 65536));
      assertThat(result.error()).isNull();
      assertThat(result.stdout().strip()).as("children forked under a limit of 10 (bwrap's init and python count)")
          .isEqualTo("8");
      assertThat(leftovers()).as("children die with the run").isEmpty();
    }

    @Test
    @DisplayName("runs at the same time each get their own process budget and their own /tmp")
    void concurrentRuns() {
      String code = "import os, time\nopen('/tmp/mine', 'x').write('x')\nkids = 0\ntry:\n    for i in range(100):\n"
          + "        if os.fork() == 0:\n            time.sleep(3); os._exit(0)\n        kids += 1\n"
          + "except OSError:\n    pass\nprint(kids, os.listdir('/tmp'))";
      SandboxLimits limits = new SandboxLimits(5_000, 5, 256L << 20, 10, 65536);
      List<Future<SandboxResult>> runs = List.of(sandbox.run(vertx, "python", code, null, limits),
          sandbox.run(vertx, "python", code, null, limits), sandbox.run(vertx, "python", code, null, limits));
      for (Future<SandboxResult> run : runs) {
        SandboxResult result = await(run);
        assertClean(result);
        assertThat(result.stdout()).isIn("8 ['main.py', 'mine']\n", "8 ['mine', 'main.py']\n");
      }
    }

    @Test
    @DisplayName("a python memory hog fails with out of memory and the JVM is fine")
    void pythonMemoryHog() {
      SandboxResult big = run("python", "x = 'a' * 10**9");
      assertOutOfMemory(big);
      assertThat(big.stderr()).contains("MemoryError");

      SandboxResult growing = run("python", "x = []\nwhile True: x.append(' ' * 1000000)");
      assertOutOfMemory(growing);
      assertThat(growing.timedOut()).isFalse();
      assertClean(run("python", "print(len('a' * 10**7))"));
    }

    @Test
    @DisplayName("a javascript memory hog fails with out of memory")
    void javascriptMemoryHog() {
      assertOutOfMemory(run("javascript", "const a = []; while (true) a.push(new Array(1e6).fill(1.5));"));

      SandboxResult buffer = run("javascript", "const b = Buffer.alloc(1024 * 1024 * 1024); console.log(b.length)");
      assertThat(buffer.exitCode()).as("a 1 GiB buffer does not fit; stderr: %s", buffer.stderr()).isNotZero();
    }

    /** The program failed for want of memory, as its own failure, not the platform's. */
    private static void assertOutOfMemory(SandboxResult result) {
      assertThat(result.error()).isNull();
      assertThat(result.exitCode()).isNotZero();
      assertThat(result.outOfMemory()).as("stderr: %s", result.stderr()).isTrue();
    }

    @Test
    @DisplayName("output over the cap is truncated and flagged, the rest is drained")
    void outputCap() {
      SandboxLimits limits = new SandboxLimits(5_000, 5, 256L << 20, 64, 1000);
      SandboxResult result = run("python", "import sys\nprint('x' * 5000000)\nprint('y' * 3000, file=sys.stderr)",
          limits);
      assertThat(result.error()).isNull();
      assertThat(result.exitCode()).isZero();
      assertThat(result.truncated()).isTrue();
      assertThat(result.stdout()).hasSize(1000).matches("x+");
      assertThat(result.stderr()).hasSize(1000).matches("y+");
    }

    @Test
    @DisplayName("endless output stops at the wall time, truncated")
    void endlessOutput() {
      SandboxResult result = run("bash", "yes", withWallTime(1_000));
      assertThat(result.timedOut()).isTrue();
      assertThat(result.truncated()).isTrue();
      assertThat(result.stdout()).hasSize(65536);
      assertThat(result.durationMs()).isLessThan(2_000L);
    }

    @Test
    @DisplayName("a running job is cancelled quickly, with all its processes")
    void cancel() throws Exception {
      Future<SandboxResult> running = sandbox.run(vertx, "job-42", "python",
          "import subprocess, time\nsubprocess.Popen(['sleep', '30.123'])\nprint('started', flush=True)\ntime.sleep(30)",
          null, withWallTime(14_000));
      Pause.sleep(700);
      long start = System.nanoTime();
      assertThat(sandbox.cancel("job-42")).isTrue();
      SandboxResult result = await(running);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1_000L);
      assertThat(result.error()).isNull();
      assertThat(result.cancelled()).isTrue();
      assertThat(result.timedOut()).isFalse();
      assertThat(result.stdout()).isEqualTo("started\n");
      assertThat(leftovers()).isEmpty();
      assertThat(sandbox.cancel("job-42")).as("no longer running").isFalse();
    }

    @Test
    @DisplayName("close() cancels the running jobs, refuses new ones and ends the sandbox's threads")
    void close() throws Exception {
      Sandbox closing = new Sandbox(Sandbox.Mode.BWRAP);
      Future<SandboxResult> running = closing.run(vertx, "bash", "echo started; sleep 30.123", null,
          withWallTime(14_000));
      Pause.sleep(700);
      closing.close();
      SandboxResult result = await(running);
      assertThat(result.cancelled()).isTrue();
      assertThat(result.stdout()).isEqualTo("started\n");
      SandboxResult refused = await(closing.run(vertx, "bash", "echo late", null, LIMITS));
      assertThat(refused.error()).isEqualTo("the sandbox is closed");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!closing.terminated() && System.nanoTime() < deadline) {
        Pause.sleep(50);
      }
      assertThat(closing.terminated()).as("the sandbox's pool has ended").isTrue();
      assertThat(leftovers()).isEmpty();
    }

    @Test
    @DisplayName("jobs cancelled during start-up on a busy machine end at once and leave no process behind")
    void cancelDuringStartup() throws Exception {
      // Two busy threads at normal priority starve the sandboxes (niceness 10) and widen the start-up window in
      // which bwrap's namespace child waits for its parent: killed then, that child used to wait forever.
      AtomicBoolean busy = new AtomicBoolean(true);
      List<Thread> hogs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Thread hog = new Thread(() -> {
          long x = 0;
          while (busy.get()) {
            x += System.nanoTime() % 7;
          }
          if (x == 42) {
            System.out.print("");
          }
        });
        hog.setDaemon(true);
        hog.start();
        hogs.add(hog);
      }
      Random random = new Random(6);
      try {
        for (int i = 0; i < 40; i++) {
          String id = "startup-" + i;
          Future<SandboxResult> run = sandbox.run(vertx, id, "python", "print(1)", null, LIMITS);
          long until = System.nanoTime() + random.nextInt(30_000) * 1000L;
          while (System.nanoTime() < until) {
            Thread.onSpinWait();
          }
          long cancelled = System.nanoTime();
          sandbox.cancel(id);
          await(run);
          assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelled)).as("run %d ends", i)
              .isLessThan(1_500L);
        }
      } finally {
        busy.set(false);
        for (Thread hog : hogs) {
          hog.join();
        }
      }
      assertThat(leftovers()).isEmpty();
    }

    @Test
    @DisplayName("a job id runs once at a time")
    void sameJobTwice() {
      Future<SandboxResult> first = sandbox.run(vertx, "job-7", "bash", "sleep 1; echo first", null, LIMITS);
      SandboxResult second = await(sandbox.run(vertx, "job-7", "bash", "echo second", null, LIMITS));
      assertThat(second.error()).isEqualTo("job job-7 is already running here");
      assertThat(await(first).stdout()).isEqualTo("first\n");
    }
  }

  @Nested
  @DisplayName("hides the host")
  class Isolation {

    @Test
    @DisplayName("there is no network: no host TCP port, no outside address, no DNS")
    void noNetwork() throws Exception {
      try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
        String code = String.join("\n",
            "import socket",
            "def attempt(f):",
            "    try:",
            "        f(); return 'reached'",
            "    except OSError as e:",
            "        return 'failed'",
            "print(attempt(lambda: socket.create_connection(('127.0.0.1', " + server.getLocalPort() + "), timeout=2)))",
            "print(attempt(lambda: socket.create_connection(('127.0.0.1', 5432), timeout=2)))",
            "print(attempt(lambda: socket.create_connection(('1.1.1.1', 53), timeout=2)))",
            "print(attempt(lambda: socket.getaddrinfo('example.com', 80)))",
            "print(sorted(i[1] for i in socket.if_nameindex()))");
        assertThat(cleanOutput("python", code)).isEqualTo("failed\nfailed\nfailed\nfailed\n['lo']\n");
      }
    }

    @Test
    @DisplayName("host files are invisible and the system is read-only")
    void hostFiles() {
      String code = String.join("\n",
          "import os",
          "for p in ['/work/main/pom.xml', '/etc/shadow', '/etc/passwd', '/root/.bashrc']:",
          "    try:",
          "        open(p).read(); print('read', p)",
          "    except OSError as e:",
          "        print('no', p)",
          "for d in ['/root', '/home', '/work', '/var']:",
          "    print(d, os.path.exists(d))",
          "print(sorted(os.listdir('/')))",
          "print(sorted(os.listdir('/etc')))",
          "for p in ['/usr/x', '/x', '/etc/x', '/dev/x']:",
          "    try:",
          "        open(p, 'w'); print('wrote', p)",
          "    except OSError:",
          "        print('read-only', p)",
          "print(os.getuid(), os.getgid(), os.getpid())",
          "print('COLLAB' in open('/proc/1/environ').read())");
      assertThat(cleanOutput("python", code)).isEqualTo(String.join("\n",
          "no /work/main/pom.xml", "no /etc/shadow", "no /etc/passwd", "no /root/.bashrc",
          "/root False", "/home False", "/work False", "/var False",
          "['bin', 'dev', 'etc', 'lib', 'lib64', 'proc', 'tmp', 'usr']",
          "['alternatives', 'ld.so.cache']",
          "read-only /usr/x", "read-only /x", "read-only /etc/x", "read-only /dev/x",
          "65534 65534 2", "False", ""));
    }

    @Test
    @DisplayName("processes of the host are invisible")
    void hostProcesses() {
      assertThat(Integer.parseInt(cleanOutput("bash", "ls /proc | grep -E '^[0-9]+$' | wc -l").strip()))
          .as("bwrap's init, bash, ls, grep, wc").isLessThanOrEqualTo(6);
    }

    @Test
    @DisplayName("the environment holds only PATH, HOME and LANG")
    void environment() {
      assertThat(System.getenv()).as("the JVM has its own variables").containsKey("COLLAB_LOG_FORMAT");
      assertThat(cleanOutput("python", "import os\nprint(sorted(os.environ.items()))"))
          .isEqualTo("[('HOME', '/tmp'), ('LANG', 'C.UTF-8'), ('PATH', '/usr/bin:/bin')]\n");
    }

    @Test
    @DisplayName("/tmp is writable, private to the run and gone after it")
    void privateTmp() {
      String marker = "collab-sandbox-test-" + System.nanoTime();
      assertThat(cleanOutput("bash", "echo secret > /tmp/" + marker + " && cat /tmp/" + marker + " && ls /tmp"))
          .isEqualTo("secret\n" + marker + "\nmain.sh\n");
      assertThat(Files.exists(Path.of("/tmp", marker))).as("not on the host's /tmp").isFalse();
      SandboxResult read = run("bash", "ls /tmp");
      assertThat(read.stdout()).as("the next run starts empty").isEqualTo("main.sh\n");
    }

    @Test
    @DisplayName("/tmp is size-limited")
    void tmpSize() {
      SandboxResult result = run("bash", "head -c 100000000 /dev/zero > /tmp/big; echo $?; wc -c < /tmp/big");
      assertThat(result.error()).isNull();
      assertThat(result.stdout()).startsWith("1\n");
      assertThat(Long.parseLong(result.stdout().split("\n")[1].strip())).isLessThanOrEqualTo(Sandbox.DEFAULT_TMP_BYTES);
    }

    @Test
    @DisplayName("no file descriptor of the JVM leaks in")
    void noInheritedDescriptors() {
      assertThat(cleanOutput("python", "import os\nprint(sorted(int(f) for f in os.listdir('/proc/self/fd')))"))
          .as("stdin, stdout, stderr and listdir's own").isEqualTo("[0, 1, 2, 3]\n");
    }

    @Test
    @DisplayName("job processes are the OOM killer's first choice")
    void oomScore() {
      assertThat(cleanOutput("bash", "cat /proc/self/oom_score_adj")).isEqualTo("1000\n");
    }

    @Test
    @DisplayName("no nested user namespaces, no capabilities")
    void noEscalation() {
      SandboxResult result = run("bash", "grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status; unshare -U true || echo no-userns");
      assertThat(result.stdout()).isEqualTo("CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
          + "CapBnd:\t0000000000000000\nno-userns\n");
    }
  }

  @Nested
  @DisplayName("reports on the platform")
  class Platform {

    @Test
    @DisplayName("the jobs.sandbox setting is bwrap or none")
    void mode() {
      assertThat(Sandbox.Mode.parse("bwrap")).isEqualTo(Sandbox.Mode.BWRAP);
      assertThat(Sandbox.Mode.parse(" None ")).isEqualTo(Sandbox.Mode.NONE);
      assertThatThrownBy(() -> Sandbox.Mode.parse("docker")).hasMessageContaining("jobs.sandbox");
    }

    @Test
    @DisplayName("available() is true when bwrap works")
    void available() {
      assertThat(await(sandbox.available(vertx))).isTrue();
      assertThat(await(sandbox.check(vertx).map("ok"))).isEqualTo("ok");
    }

    @Test
    @DisplayName("a missing bwrap is a platform error, not a program failure, and available() is false")
    void missingBwrap() {
      Sandbox broken = new Sandbox(Sandbox.Mode.BWRAP, Sandbox.DEFAULT_TMP_BYTES, Sandbox.DEFAULT_NICENESS, "/nonexistent/bwrap");
      SandboxResult result = await(broken.run(vertx, "python", "print(1)", null, LIMITS));
      assertThat(result.error()).isNotNull();
      assertThat(result.exitCode()).isEqualTo(-1);
      assertThat(result.succeeded()).isFalse();
      assertThat(await(broken.available(vertx))).isFalse();
    }

    @Test
    @DisplayName("a sandbox that fails to set up is a platform error carrying bwrap's message")
    void failingBwrap() {
      Sandbox broken = new Sandbox(Sandbox.Mode.BWRAP, Sandbox.DEFAULT_TMP_BYTES, Sandbox.DEFAULT_NICENESS, "/usr/bin/false");
      SandboxResult result = await(broken.run(vertx, "bash", "echo hi", null, LIMITS));
      assertThat(result.error()).startsWith("the sandbox did not start");
      assertThat(result.stdout()).isEmpty();
    }

    @Test
    @DisplayName("none mode runs the interpreter directly, with the limits, for development")
    void noneMode() {
      Sandbox none = new Sandbox(Sandbox.Mode.NONE);
      SandboxResult hello = await(none.run(vertx, "python", "import sys\nprint(sys.stdin.read())", "hi", LIMITS));
      assertClean(hello);
      assertThat(hello.stdout()).isEqualTo("hi\n");
      SandboxResult loop = await(none.run(vertx, "bash", "sleep 60.123 & while :; do :; done", null,
          withWallTime(1_000)));
      assertThat(loop.timedOut()).isTrue();
      assertThat(leftovers()).isEmpty();
      SandboxResult hog = await(none.run(vertx, "python", "x = 'a' * 10**9", null, LIMITS));
      assertThat(hog.outOfMemory()).isTrue();
    }
  }
}
