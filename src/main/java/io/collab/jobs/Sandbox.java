package io.collab.jobs;

import io.collab.config.CollabConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Runs hostile job code in a child process, never in the JVM. In {@code bwrap} mode the process runs in a
 * bubblewrap sandbox: every namespace unshared (no network, own PIDs, no further user namespaces), uid 65534 inside
 * (and outside too when the JVM is root: setpriv drops to it before bwrap), no capabilities, a read-only /usr and
 * nothing else of the host, a fresh /proc and a read-only /dev, a private size-limited /tmp that holds the code (or
 * a copy of the workspace's files, {@link WorkspaceCopy}, bound read-only at /workspace and copied from there), a
 * cleared environment, and rlimits set inside the sandbox (CPU, address space, processes counted in the run's own
 * user namespace, file size, open files, no core dumps). A run starts in a session and process group of its own
 * ({@code setsid}), and is killed (timeout, {@link #cancel}) as a group: that takes the bwrap process, and with it
 * its PID namespace and every process of the run, and also the child bwrap has just cloned for the namespace, which
 * waits for its parent to set it up and would otherwise wait forever once the parent is gone (seen when a job is
 * cancelled during start-up on a busy worker). {@code none} mode runs the interpreter directly
 * with the same limits but the process count (RLIMIT_NPROC would count the whole host user), for development only:
 * it hides nothing of the host.
 *
 * <p>No Vert.x thread ever blocks: each run takes four threads of this class's own daemon pool (waiter, stdin
 * writer, two readers) and completes its future on the caller's context. Callers bound how many jobs run at once.
 */
public final class Sandbox {

  public enum Mode {
    BWRAP, NONE;

    /** {@code bwrap} or {@code none}, as in the {@code jobs.sandbox} setting. */
    public static Mode parse(String value) {
      return switch (String.valueOf(value).trim().toLowerCase(Locale.ROOT)) {
        case "bwrap" -> BWRAP;
        case "none" -> NONE;
        default -> throw new IllegalArgumentException("jobs.sandbox must be bwrap or none, got '" + value + "'");
      };
    }
  }

  public static final Set<String> LANGUAGES = Set.of("python", "javascript", "bash");
  public static final long DEFAULT_TMP_BYTES = 16L << 20;
  public static final int DEFAULT_NICENESS = 10;
  /** Address space node gets beyond the memory limit: V8 reserves 512 MiB for JIT code up front. */
  static final int NODE_EXTRA_MIB = 768;

  private static final Logger log = LoggerFactory.getLogger(Sandbox.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final String PATH = "/usr/bin:/bin";
  private static final String NOBODY = "65534";
  private static final byte[] STARTED = "\u0001sandbox-started\n".getBytes(StandardCharsets.UTF_8);
  private static final List<String> OOM_SIGNS = List.of("MemoryError", "JavaScript heap out of memory",
      "Fatal process out of memory", "Fatal process OOM", "annot allocate memory", "std::bad_alloc");
  private static final int SIGXCPU_EXIT = 128 + 24;
  /** Where a run's {@link WorkspaceCopy} is bound (read-only) inside the sandbox. */
  private static final String WORKSPACE_MOUNT = "/workspace";
  /**
   * Runs inside the sandbox: set limits, write the code from stdin, mark the start, copy the workspace from
   * {@code $w} if there is one, exec the interpreter. The workspace is copied, not bound, so the program may change
   * its files and the copy counts against the size of its private /tmp; it is copied after the start mark because a
   * workspace that does not fit there is the job's own failure (exit 125, cp's message on stderr), not the platform's
   * to retry.
   */
  private static final String WRAPPER = String.join("\n",
      "d=$1 n=$2 t=$3 v=$4 u=$5 f=$6 file=$7 w=$8; shift 8",
      "ulimit -c 0 -n 256 -f \"$f\" -v \"$v\" && ulimit -St \"$t\" && ulimit -Ht $((t + 1)) || exit 125",
      "if [ -n \"$u\" ]; then ulimit -u \"$u\" || exit 125; fi",
      "echo 1000 > /proc/self/oom_score_adj 2>/dev/null # OOM killer: jobs before the JVM",
      "if [ -z \"$w\" ]; then head -c \"$n\" > \"$d/$file\" || exit 125; fi; cd \"$d\" || exit 125",
      "printf '\\001sandbox-started\\n' >&2",
      "if [ -n \"$w\" ]; then cp -R -- \"$w/.\" \"$d\" || exit 125; fi",
      "exec /usr/bin/env -i PATH=" + PATH + " HOME=\"$d\" LANG=C.UTF-8 \"$@\" \"$d/$file\"");

  private record Lang(String file, List<String> argv, long extraAddressSpace) {}

  private static final class Job {
    volatile Process process;
    volatile boolean cancelled;
    OutputListener listener;
  }

  private final Mode mode;
  private final long tmpBytes;
  private final int niceness;
  private final String bwrap;
  private final boolean root;
  private final Map<String, Job> running = new ConcurrentHashMap<>();
  private final AtomicReference<Future<Void>> check = new AtomicReference<>();
  private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
    Thread thread = new Thread(task, "collab-sandbox-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  });

  /** From the {@code jobs} settings: {@code jobs.sandbox}, {@code jobs.tmpBytes}, {@code jobs.niceness}. */
  public Sandbox(CollabConfig.Jobs settings) {
    this(Mode.parse(settings.sandbox()), settings.tmpBytes(), settings.niceness(), "/usr/bin/bwrap");
  }

  /** With the defaults: {@link #DEFAULT_TMP_BYTES}, {@link #DEFAULT_NICENESS}. */
  public Sandbox(Mode mode) {
    this(mode, DEFAULT_TMP_BYTES, DEFAULT_NICENESS, "/usr/bin/bwrap");
  }

  /**
   * @param tmpBytes size of the private /tmp (and /dev/shm) tmpfs; also the largest file a run may write
   * @param niceness CPU niceness of everything a run starts, 0 (none) to 19
   */
  Sandbox(Mode mode, long tmpBytes, int niceness, String bwrap) {
    this.mode = mode;
    this.tmpBytes = Math.max(1 << 20, tmpBytes);
    this.niceness = niceness;
    this.bwrap = bwrap;
    this.root = uid() == 0;
  }

  public Mode mode() {
    return mode;
  }

  /** Receives a run's output as it is written: whole UTF-8 characters, in order per stream, on a sandbox thread. */
  @FunctionalInterface
  public interface OutputListener {
    void onOutput(String stream, String text);
  }

  public Future<SandboxResult> run(Vertx vertx, String language, String code, String stdin, SandboxLimits limits) {
    return run(vertx, UUID.randomUUID().toString(), language, code, stdin, limits);
  }

  public Future<SandboxResult> run(Vertx vertx, String jobId, String language, String code, String stdin,
                                   SandboxLimits limits) {
    return run(vertx, jobId, language, code, stdin, limits, null);
  }

  /**
   * Runs {@code code} with {@code stdin} (may be null) as its standard input; {@link #cancel} with the same
   * {@code jobId} kills it. The future never fails: a program that fails is a result, and so is a platform failure
   * (sandbox could not start, no interpreter for the language, job already running here), with {@code error} set.
   */
  public Future<SandboxResult> run(Vertx vertx, String jobId, String language, String code, String stdin,
                                   SandboxLimits limits, OutputListener listener) {
    if (code == null) {
      return Future.succeededFuture(SandboxResult.platformFailure("no code", 0));
    }
    return start(vertx, jobId, language, code.getBytes(StandardCharsets.UTF_8), null, stdin, limits, listener);
  }

  /**
   * As {@link #run(Vertx, String, String, String, String, SandboxLimits, OutputListener)}, but runs the file
   * {@link WorkspaceCopy#entry()} with the whole copy in the working directory, subdirectories included. The copy
   * must belong to {@link #hostUid()} when that is set, and stay until the run ends.
   */
  public Future<SandboxResult> run(Vertx vertx, String jobId, String language, WorkspaceCopy workspace, String stdin,
                                   SandboxLimits limits, OutputListener listener) {
    return start(vertx, jobId, language, new byte[0], Objects.requireNonNull(workspace, "workspace"), stdin, limits,
        listener);
  }

  /**
   * The host user a run's processes are when it is not this JVM's own (bwrap under root drops to nobody): files a
   * run reads from the host must belong to it.
   */
  public OptionalInt hostUid() {
    return mode == Mode.BWRAP && root ? OptionalInt.of(Integer.parseInt(NOBODY)) : OptionalInt.empty();
  }

  private Future<SandboxResult> start(Vertx vertx, String jobId, String language, byte[] codeBytes,
                                      WorkspaceCopy workspace, String stdin, SandboxLimits limits,
                                      OutputListener listener) {
    Lang lang = lang(language, Objects.requireNonNull(limits, "limits"));
    if (lang == null) {
      return Future.succeededFuture(SandboxResult.platformFailure("no interpreter for language '" + language + "'", 0));
    }
    Job job = new Job();
    job.listener = listener;
    if (running.putIfAbsent(jobId, job) != null) {
      return Future.succeededFuture(SandboxResult.platformFailure("job " + jobId + " is already running here", 0));
    }
    Context context = vertx.getOrCreateContext();
    Promise<SandboxResult> promise = Promise.promise();
    byte[] input = stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8);
    threads.execute(() -> {
      SandboxResult result;
      try {
        result = runBlocking(job, lang, codeBytes, workspace, input, limits);
      } catch (RuntimeException e) {
        log.error("sandbox run failed", e);
        result = SandboxResult.platformFailure("sandbox failure: " + e, 0);
      } finally {
        running.remove(jobId, job);
      }
      SandboxResult done = result;
      try {
        context.runOnContext(v -> promise.complete(done));
      } catch (RejectedExecutionException closed) {
        log.debug("a job ended after its Vert.x instance closed: {}", done);
      }
    });
    return promise.future();
  }

  /** Kills the running job's whole process tree; its result then says {@code cancelled}. False if not running. */
  public boolean cancel(String jobId) {
    Job job = running.get(jobId);
    if (job == null) {
      return false;
    }
    job.cancelled = true;
    Process process = job.process;
    if (process != null) {
      threads.execute(() -> kill(process));
    }
    return true;
  }

  /** Cancels every running job (for the worker's stop). */
  public void cancelAll() {
    running.keySet().forEach(this::cancel);
  }

  /**
   * Runs {@code echo ok} in the sandbox; fails with the reason when the sandbox cannot run jobs. A success is kept,
   * a failure is checked again on the next call (bwrap may have been installed meanwhile).
   */
  public Future<Void> check(Vertx vertx) {
    Future<Void> existing = check.get();
    if (existing != null) {
      return existing;
    }
    Promise<Void> promise = Promise.promise();
    if (!check.compareAndSet(null, promise.future())) {
      return check(vertx);
    }
    promise.future().onFailure(e -> check.compareAndSet(promise.future(), null));
    run(vertx, "bash", "echo ok", null, SandboxLimits.DEFAULTS).onSuccess(r -> {
      String problem = r.error() != null ? r.error()
          : !r.succeeded() || !"ok\n".equals(r.stdout()) ? "sandbox check exited " + r.exitCode() + ": " + r.stderr()
          : null;
      if (problem == null) {
        promise.complete();
      } else {
        log.warn("job sandbox ({}) unavailable: {}", mode, problem);
        promise.fail(problem);
      }
    });
    return promise.future();
  }

  /** Whether {@link #check} passed: the worker refuses jobs and reports unhealthy otherwise. */
  public Future<Boolean> available(Vertx vertx) {
    return check(vertx).map(true).otherwise(false);
  }

  private SandboxResult runBlocking(Job job, Lang lang, byte[] code, WorkspaceCopy workspace, byte[] input,
                                    SandboxLimits limits) {
    long start = System.nanoTime();
    if (!Files.isExecutable(Path.of(lang.argv().get(0)))) {
      return SandboxResult.platformFailure("interpreter " + lang.argv().get(0) + " is not installed", 0);
    }
    Path hostDir = null;
    Process process;
    try {
      hostDir = mode == Mode.NONE ? Files.createTempDirectory("collab-job-") : null;
      String dir = hostDir == null ? "/tmp" : hostDir.toString();
      ProcessBuilder builder = new ProcessBuilder(command(lang, limits, dir, code.length, workspace))
          .directory(new File(hostDir == null ? "/" : dir));
      builder.environment().clear();
      builder.environment().putAll(Map.of("PATH", PATH, "HOME", dir, "LANG", "C.UTF-8"));
      process = builder.start();
    } catch (IOException | RuntimeException e) {
      deleteTree(hostDir);
      return SandboxResult.platformFailure("could not start the sandbox: " + e.getMessage(), millis(start));
    }
    job.process = process;
    if (job.cancelled) {
      kill(process);
    }
    Capture out = new Capture(process.getInputStream(), limits.maxOutputBytes(), "stdout", job.listener, null);
    Capture err = new Capture(process.getErrorStream(), limits.maxOutputBytes() + (long) STARTED.length, "stderr",
        job.listener, STARTED);
    var outDone = threads.submit(out);
    var errDone = threads.submit(err);
    threads.execute(() -> feed(process.getOutputStream(), code, input));
    // this thread started the process and waits for it to end: --die-with-parent (PDEATHSIG) follows the thread
    boolean wallTimeout = false;
    try {
      if (!process.waitFor(limits.wallTimeMs(), TimeUnit.MILLISECONDS)) {
        wallTimeout = true;
        kill(process);
        process.waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill(process);
    }
    long duration = millis(start);
    if (mode == Mode.NONE) {
      kill(process); // what the program left running in its process group
    }
    for (var done : List.of(outDone, errDone)) {
      try {
        done.get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("sandbox output still open 2 s after the run ended; giving up on it");
      }
    }
    deleteTree(hostDir);

    int exit = process.isAlive() ? 128 + 9 : process.exitValue();
    byte[] errBytes = err.bytes();
    int from = indexOf(errBytes, STARTED); // what bwrap or the wrapper said before the program started
    boolean started = from >= 0;
    String stderr = new String(errBytes, started ? from + STARTED.length : 0,
        errBytes.length - (started ? from + STARTED.length : 0), StandardCharsets.UTF_8);
    boolean cancelled = job.cancelled;
    if (!started && !cancelled) {
      return SandboxResult.platformFailure(wallTimeout ? "the sandbox did not start within the wall time"
          : "the sandbox did not start (exit " + exit + "): " + stderr.strip(), duration);
    }
    boolean timedOut = !cancelled && (wallTimeout || exit == SIGXCPU_EXIT);
    boolean oom = exit != 0 && !timedOut && !cancelled && OOM_SIGNS.stream().anyMatch(stderr::contains);
    return new SandboxResult(exit, new String(out.bytes(), StandardCharsets.UTF_8), stderr,
        out.truncated() || err.truncated(), timedOut, oom, cancelled, duration, null);
  }

  private List<String> command(Lang lang, SandboxLimits limits, String dir, int codeBytes, WorkspaceCopy workspace) {
    List<String> cmd = new ArrayList<>();
    cmd.add("/usr/bin/setsid"); // own process group, killed as a whole
    if (niceness > 0) { // before the sandbox, so that its setup is as low a priority as the program
      cmd.addAll(List.of("/usr/bin/nice", "-n", Integer.toString(niceness)));
    }
    if (mode == Mode.BWRAP) {
      if (root) { // never root on the host, even if the sandbox were escaped; rlimits then count for nobody
        cmd.addAll(List.of("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all"));
      }
      cmd.addAll(List.of(bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
          "--new-session", "--cap-drop", "ALL", "--uid", NOBODY, "--gid", NOBODY, "--hostname", "sandbox",
          "--ro-bind", "/usr", "/usr"));
      for (String top : List.of("/bin", "/lib", "/lib64")) {
        Path path = Path.of(top);
        try {
          if (Files.isSymbolicLink(path)) {
            cmd.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), top));
          } else if (Files.isDirectory(path)) {
            cmd.addAll(List.of("--ro-bind", top, top));
          }
        } catch (IOException e) {
          throw new IllegalStateException("cannot read " + top, e);
        }
      }
      if (workspace != null) {
        cmd.addAll(List.of("--ro-bind", workspace.dir().toString(), WORKSPACE_MOUNT));
      }
      String tmp = Long.toString(tmpBytes);
      cmd.addAll(List.of("--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
          "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache", "--proc", "/proc", "--dev", "/dev",
          "--size", tmp, "--tmpfs", "/dev/shm", "--size", tmp, "--tmpfs", "/tmp", "--remount-ro", "/dev",
          "--remount-ro", "/", "--chdir", "/tmp", "--clearenv", "--setenv", "PATH", PATH, "--setenv", "HOME", "/tmp",
          "--setenv", "LANG", "C.UTF-8", "--"));
    }
    long addressKib = (limits.memoryBytes() + lang.extraAddressSpace()) / 1024;
    cmd.addAll(List.of("/bin/bash", "-c", WRAPPER, "sandbox", dir, Integer.toString(codeBytes),
        Integer.toString(limits.cpuSeconds()), Long.toString(addressKib),
        mode == Mode.BWRAP ? Integer.toString(limits.maxProcesses()) : "", Long.toString(tmpBytes / 1024),
        workspace == null ? lang.file() : workspace.entry(),
        workspace == null ? "" : mode == Mode.BWRAP ? WORKSPACE_MOUNT : workspace.dir().toString()));
    cmd.addAll(lang.argv());
    return cmd;
  }

  private static Lang lang(String language, SandboxLimits limits) {
    return switch (String.valueOf(language)) { // null: not a language of the sandbox
      // not -I: that leaves the script's directory off sys.path, and a workspace file imports its siblings
      case "python" -> new Lang("main.py", List.of("/usr/bin/python3", "-E", "-s", "-B", "-u"), 0);
      case "javascript" -> new Lang("main.js",
          List.of("/usr/bin/node", "--max-old-space-size=" + (limits.memoryBytes() >> 20)),
          (long) NODE_EXTRA_MIB << 20);
      case "bash" -> new Lang("main.sh", List.of("/bin/bash"), 0);
      default -> null;
    };
  }

  /**
   * SIGKILL to the run's process group (see the class comment), then to the process itself. Through bash's builtin
   * {@code kill}: Java cannot signal a group, and procps' {@code /bin/kill} is missing from minimal images.
   */
  private void kill(Process process) {
    try {
      new ProcessBuilder("/bin/bash", "-c", "kill -KILL -- -$1 2>/dev/null", "kill",
          Long.toString(process.pid())).start().waitFor(2, TimeUnit.SECONDS);
    } catch (IOException e) {
      log.warn("could not kill process group {}: {}", process.pid(), e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.destroyForcibly();
  }

  private static void feed(OutputStream stdin, byte[] code, byte[] input) {
    try (stdin) {
      stdin.write(code);
      stdin.write(input);
    } catch (IOException ignored) {
      // the program exited or closed its stdin without reading everything
    }
  }

  /** Reads a stream to its end, keeping the first {@code cap} bytes. */
  private static final class Capture implements Runnable {
    private final InputStream in;
    private final long cap;
    private final String stream;
    private final OutputListener listener;
    /** Output before this marker is the sandbox's own (bwrap's messages), not the program's: never forwarded. */
    private final byte[] gate;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final ByteArrayOutputStream unsent = new ByteArrayOutputStream();
    private boolean open;
    private long total;

    Capture(InputStream in, long cap, String stream, OutputListener listener, byte[] gate) {
      this.in = in;
      this.cap = cap;
      this.stream = stream;
      this.listener = listener;
      this.gate = gate;
      this.open = gate == null;
    }

    @Override
    public void run() {
      byte[] buffer = new byte[8192];
      try (in) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          int keep = (int) Math.min(n, Math.max(0, cap - total));
          synchronized (this) {
            kept.write(buffer, 0, keep);
            total += n;
          }
          if (listener != null && keep > 0) {
            forward(buffer, keep);
          }
        }
      } catch (IOException ignored) {
        // the stream closed under us: the run ended
      }
    }

    /** Passes on whole UTF-8 characters only, holding back a character split across reads. */
    private void forward(byte[] buffer, int length) {
      unsent.write(buffer, 0, length);
      byte[] pending = unsent.toByteArray();
      int from = 0;
      if (!open) {
        int marker = indexOf(pending, gate);
        if (marker < 0) {
          return;
        }
        open = true;
        from = marker + gate.length;
      }
      int cut = completeUtf8(pending, from);
      if (cut > from) {
        try {
          listener.onOutput(stream, new String(pending, from, cut - from, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
          log.debug("an output listener failed: {}", e.getMessage());
        }
      }
      unsent.reset();
      unsent.write(pending, cut, pending.length - cut);
    }

    /** The end of the last complete UTF-8 character in {@code bytes} from {@code from} on. */
    private static int completeUtf8(byte[] bytes, int from) {
      int end = bytes.length;
      for (int i = end - 1; i >= Math.max(from, end - 4); i--) {
        int b = bytes[i] & 0xff;
        if ((b & 0xc0) == 0x80) {
          continue;  // a continuation byte: look further back for the start
        }
        int size = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : 4;
        return i + size <= end ? end : i;
      }
      return end;
    }

    synchronized byte[] bytes() {
      return kept.toByteArray();
    }

    synchronized boolean truncated() {
      return total > cap;
    }
  }


  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }

  private static long millis(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  private static int uid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.getMessage());
    }
  }
}
