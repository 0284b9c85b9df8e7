package io.collab.jobs;

import io.collab.config.CollabConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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
 * <p>No Vert.x thread ever blocks: each run ({@link SandboxRun}) takes four threads of this sandbox's own daemon pool
 * (waiter, stdin writer, two readers, {@link SandboxOutput}) and completes its future on the caller's context.
 * Callers bound how many jobs run at once, and {@link #close()} the sandbox when they stop. The command line of a run
 * is {@link SandboxCommand}'s.
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

  private static final Logger log = LoggerFactory.getLogger(Sandbox.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Mode mode;
  private final boolean root;
  private final SandboxCommand command;
  private final Map<String, SandboxRun> running = new ConcurrentHashMap<>();
  private final AtomicReference<Future<Void>> check = new AtomicReference<>();
  private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
    Thread thread = new Thread(task, "collab-sandbox-" + THREADS.incrementAndGet());
    thread.setDaemon(true);
    return thread;
  });
  private volatile boolean closed;

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
    this.root = uid() == 0;
    this.command = new SandboxCommand(mode, Math.max(1 << 20, tmpBytes), niceness, bwrap, root);
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
   * (sandbox could not start or is closed, no interpreter for the language, job already running here), with
   * {@code error} set.
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
    return mode == Mode.BWRAP && root ? OptionalInt.of(Integer.parseInt(SandboxCommand.NOBODY)) : OptionalInt.empty();
  }

  private Future<SandboxResult> start(Vertx vertx, String jobId, String language, byte[] code,
                                      WorkspaceCopy workspace, String stdin, SandboxLimits limits,
                                      OutputListener listener) {
    SandboxCommand.Lang lang = SandboxCommand.lang(language, Objects.requireNonNull(limits, "limits"));
    if (lang == null) {
      return Future.succeededFuture(SandboxResult.platformFailure("no interpreter for language '" + language + "'", 0));
    }
    SandboxRun run = new SandboxRun(command, threads, listener);
    if (running.putIfAbsent(jobId, run) != null) {
      return Future.succeededFuture(SandboxResult.platformFailure("job " + jobId + " is already running here", 0));
    }
    if (closed) { // checked after registering: close() either sees this run or this run sees close()
      ended(jobId, run);
      return Future.succeededFuture(SandboxResult.platformFailure("the sandbox is closed", 0));
    }
    Context context = vertx.getOrCreateContext();
    Promise<SandboxResult> promise = Promise.promise();
    byte[] input = stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8);
    threads.execute(() -> {
      SandboxResult result;
      try {
        result = run.run(lang, code, workspace, input, limits);
      } catch (RuntimeException e) {
        log.error("sandbox run failed", e);
        result = SandboxResult.platformFailure("sandbox failure: " + e, 0);
      } finally {
        ended(jobId, run);
      }
      complete(context, promise, result);
    });
    return promise.future();
  }

  private static void complete(Context context, Promise<SandboxResult> promise, SandboxResult result) {
    try {
      context.runOnContext(v -> promise.complete(result));
    } catch (RejectedExecutionException closed) {
      log.debug("a job ended after its Vert.x instance closed: {}", result);
    }
  }

  /** Kills the running job's whole process tree; its result then says {@code cancelled}. False if not running. */
  public boolean cancel(String jobId) {
    SandboxRun run = running.get(jobId);
    if (run == null) {
      return false;
    }
    run.cancel();
    return true;
  }

  /** Cancels every running job. */
  public void cancelAll() {
    running.keySet().forEach(this::cancel);
  }

  /**
   * Cancels every running job and refuses new ones (their result is a platform failure); the sandbox's threads end
   * once the last run has ended. For the worker's stop.
   */
  public void close() {
    closed = true;
    cancelAll();
    shutDownIfIdle();
  }

  /** Whether {@link #close()} has run and every thread of the sandbox has ended. */
  boolean terminated() {
    return threads.isTerminated();
  }

  private void ended(String jobId, SandboxRun run) {
    running.remove(jobId, run);
    shutDownIfIdle();
  }

  /** After close, once no run is left; the kills and reads already handed to the pool still run. */
  private void shutDownIfIdle() {
    if (closed && running.isEmpty()) {
      threads.shutdown();
    }
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

  private static int uid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
