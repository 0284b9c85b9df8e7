package io.collab.jobs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One run of a program in the sandbox, on a thread of its own (which blocks): starts the command, feeds it the code
 * and stdin, captures stdout and stderr, kills the process group at the wall time or on {@link #cancel()}, and turns
 * what happened into a {@link SandboxResult}. The thread that starts the process also waits for it: bwrap's
 * {@code --die-with-parent} (PDEATHSIG) follows that thread.
 */
final class SandboxRun {

  private static final Logger log = LoggerFactory.getLogger(SandboxRun.class);
  private static final byte[] STARTED = SandboxCommand.STARTED.getBytes(StandardCharsets.UTF_8);
  private static final List<String> OOM_SIGNS = List.of("MemoryError", "JavaScript heap out of memory",
      "Fatal process out of memory", "Fatal process OOM", "annot allocate memory", "std::bad_alloc");
  private static final int SIGXCPU_EXIT = 128 + 24;
  private static final int SIGKILL_EXIT = 128 + 9;

  private final SandboxCommand command;
  private final ExecutorService threads;
  private final Sandbox.OutputListener listener;
  private volatile Process process;
  private volatile boolean cancelled;

  /**
   * @param threads  the sandbox's pool: the stdin writer, the two readers and the kills run there
   * @param listener null: the output is only kept for the result
   */
  SandboxRun(SandboxCommand command, ExecutorService threads, Sandbox.OutputListener listener) {
    this.command = command;
    this.threads = threads;
    this.listener = listener;
  }

  /**
   * Kills the run's process group, now if it has started, else as soon as it starts. Never blocks: callers are on
   * an event loop, and the kill runs on the sandbox's pool.
   */
  void cancel() {
    cancelled = true;
    Process started = process;
    if (started != null) {
      try {
        threads.execute(() -> kill(started));
      } catch (RejectedExecutionException closed) {
        // the sandbox closed once its last run ended, so this one has ended too: nothing left to kill
      }
    }
  }

  /** Runs {@code code} (or the {@code workspace}'s entry) to its end; blocks. */
  SandboxResult run(SandboxCommand.Lang lang, byte[] code, WorkspaceCopy workspace, byte[] input,
                    SandboxLimits limits) {
    long start = System.nanoTime();
    if (!Files.isExecutable(Path.of(lang.interpreter()))) {
      return SandboxResult.platformFailure("interpreter " + lang.interpreter() + " is not installed", 0);
    }
    Path hostDir = null;
    try {
      hostDir = command.mode() == Sandbox.Mode.NONE ? Files.createTempDirectory("collab-job-") : null;
      process = start(lang, limits, hostDir, code.length, workspace);
    } catch (IOException | RuntimeException e) {
      deleteTree(hostDir);
      return SandboxResult.platformFailure("could not start the sandbox: " + e.getMessage(), millis(start));
    }
    try {
      return capture(process, code, input, limits, start);
    } finally {
      deleteTree(hostDir);
    }
  }

  private Process start(SandboxCommand.Lang lang, SandboxLimits limits, Path hostDir, int codeBytes,
                        WorkspaceCopy workspace) throws IOException {
    String dir = hostDir == null ? "/tmp" : hostDir.toString();
    ProcessBuilder builder = new ProcessBuilder(command.argv(lang, limits, dir, codeBytes, workspace))
        .directory(new File(hostDir == null ? "/" : dir));
    builder.environment().clear();
    builder.environment().putAll(Map.of("PATH", SandboxCommand.PATH, "HOME", dir, "LANG", "C.UTF-8"));
    return builder.start();
  }

  /** Feeds and reads the started process until it ends or is killed. */
  private SandboxResult capture(Process started, byte[] code, byte[] input, SandboxLimits limits, long start) {
    if (cancelled) {
      kill(started);
    }
    SandboxOutput out = new SandboxOutput(started.getInputStream(), limits.maxOutputBytes(), "stdout", listener, null);
    SandboxOutput err = new SandboxOutput(started.getErrorStream(), limits.maxOutputBytes() + (long) STARTED.length,
        "stderr", listener, STARTED);
    List<Future<?>> reading;
    try {
      reading = List.of(threads.submit(out), threads.submit(err));
      threads.execute(() -> feed(started.getOutputStream(), code, input));
    } catch (RejectedExecutionException closed) { // not while a run is registered (Sandbox.close), but never leak it
      kill(started);
      return SandboxResult.platformFailure("the sandbox closed", millis(start));
    }
    boolean wallTimeout = awaitEnd(started, limits.wallTimeMs());
    long duration = millis(start);
    if (command.mode() == Sandbox.Mode.NONE) {
      kill(started); // what the program left running in its process group
    }
    for (Future<?> done : reading) {
      try {
        done.get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("sandbox output still open 2 s after the run ended; giving up on it");
      }
    }
    int exit = started.isAlive() ? SIGKILL_EXIT : started.exitValue();
    return result(exit, out, err, wallTimeout, duration);
  }

  /** Waits for the process, killing it at the wall time; true if it had to be killed for that. */
  private boolean awaitEnd(Process process, long wallTimeMs) {
    try {
      if (!process.waitFor(wallTimeMs, TimeUnit.MILLISECONDS)) {
        kill(process);
        process.waitFor();
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill(process);
    }
    return false;
  }

  private SandboxResult result(int exit, SandboxOutput out, SandboxOutput err, boolean wallTimeout, long duration) {
    byte[] errBytes = err.bytes();
    int from = SandboxOutput.indexOf(errBytes, STARTED); // what bwrap or the wrapper said before the program started
    boolean started = from >= 0;
    int programFrom = started ? from + STARTED.length : 0;
    String stderr = new String(errBytes, programFrom, errBytes.length - programFrom, StandardCharsets.UTF_8);
    boolean cancelled = this.cancelled;
    if (!started && !cancelled) {
      return SandboxResult.platformFailure(wallTimeout ? "the sandbox did not start within the wall time"
          : "the sandbox did not start (exit " + exit + "): " + stderr.strip(), duration);
    }
    boolean timedOut = !cancelled && (wallTimeout || exit == SIGXCPU_EXIT);
    boolean oom = exit != 0 && !timedOut && !cancelled && OOM_SIGNS.stream().anyMatch(stderr::contains);
    return new SandboxResult(exit, new String(out.bytes(), StandardCharsets.UTF_8), stderr,
        out.truncated() || err.truncated(), timedOut, oom, cancelled, duration, null);
  }

  /**
   * SIGKILL to the run's process group (see {@link Sandbox}), then to the process itself. Through bash's builtin
   * {@code kill}: Java cannot signal a group, and procps' {@code /bin/kill} is missing from minimal images.
   */
  private static void kill(Process process) {
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

  private static long millis(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
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
