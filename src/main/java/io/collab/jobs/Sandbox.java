package io.collab.jobs;

import io.collab.app.CollabConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs job code in a child process, never in the JVM and never on an event loop. With {@code jobs.sandbox = bwrap}
 * the process runs under bubblewrap as the unprivileged user 65534 in fresh namespaces: no network, a read-only
 * {@code /usr}, a private {@code /tmp}, nothing of the host's files or environment. Inside, prlimit caps CPU time,
 * address space and processes (RLIMIT_NPROC counts the unprivileged user's processes, so a fork bomb stops at the
 * limit); the wall time and the output are capped here. {@code none} runs the interpreter with the same limits but
 * unconfined, for development only.
 */
public final class Sandbox {

  /** V8 reserves address space it never touches: node gets this much on top of the memory limit. */
  static final long NODE_EXTRA_MIB = 4096;

  private static final List<String> BWRAP = List.of(
      "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
      "/usr/bin/bwrap", "--unshare-all", "--die-with-parent", "--new-session",
      "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
      "--symlink", "usr/lib64", "/lib64", "--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
      "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
      "--clearenv", "--setenv", "PATH", "/usr/bin", "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8",
      "--chdir", "/tmp", "--");

  private final String mode;
  private final Map<String, Process> running = new ConcurrentHashMap<>();
  private final Map<String, Boolean> cancelled = new ConcurrentHashMap<>();

  public Sandbox(CollabConfig.Jobs settings) {
    this.mode = settings.sandbox();
  }

  /** Whether a trivial program runs in the sandbox here (bwrap installed, user namespaces allowed). */
  public Future<Boolean> available(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      SandboxResult probe = execute("probe", List.of("/usr/bin/true"), null, SandboxLimits.DEFAULTS);
      return probe.error() == null && probe.exitCode() == 0;
    }, false);
  }

  /** Runs the code on a worker thread; program failures are results, only a sandbox that cannot start sets error. */
  public Future<SandboxResult> run(Vertx vertx, String jobId, String language, String code, String stdin,
                                   SandboxLimits limits) {
    List<String> interpreter = switch (language) {
      case "python" -> List.of("/usr/bin/python3", "-I", "-c", code);
      case "javascript" -> List.of("/usr/bin/node", "--max-old-space-size=" + (limits.memoryBytes() >> 20), "-e", code);
      case "bash" -> List.of("/usr/bin/bash", "-c", code);
      default -> null;
    };
    if (interpreter == null) {
      return Future.succeededFuture(SandboxResult.platformFailure("no interpreter for language " + language, 0));
    }
    return vertx.executeBlocking(() -> execute(jobId, interpreter, stdin, limits), false);
  }

  /** Kills a running job's whole process tree; true when it was running here. */
  public boolean cancel(String jobId) {
    Process process = running.get(jobId);
    if (process == null) {
      return false;
    }
    cancelled.put(jobId, true);
    kill(process);
    return true;
  }

  private SandboxResult execute(String jobId, List<String> interpreter, String stdin, SandboxLimits limits) {
    long memory = interpreter.get(0).endsWith("node") ? limits.memoryBytes() + (NODE_EXTRA_MIB << 20)
        : limits.memoryBytes();
    List<String> command = new ArrayList<>(mode.equals("bwrap") ? BWRAP : List.of());
    command.addAll(List.of("/usr/bin/prlimit", "--cpu=" + limits.cpuSeconds(), "--as=" + memory,
        "--nproc=" + limits.maxProcesses(), "--"));
    command.addAll(interpreter);
    ProcessBuilder builder = new ProcessBuilder(command);
    if (!mode.equals("bwrap")) {
      builder.environment().clear();
      builder.environment().put("PATH", "/usr/bin:/bin");
      builder.directory(new java.io.File(System.getProperty("java.io.tmpdir")));
    }
    long started = System.nanoTime();
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return SandboxResult.platformFailure("the sandbox could not start: " + e.getMessage(), 0);
    }
    running.put(jobId, process);
    try {
      Capture out = new Capture(process.getInputStream(), limits.maxOutputBytes());
      Capture err = new Capture(process.getErrorStream(), limits.maxOutputBytes());
      feed(process.getOutputStream(), stdin);
      boolean finished = process.waitFor(limits.wallTimeMs(), TimeUnit.MILLISECONDS);
      if (!finished) {
        kill(process);
        process.waitFor(2, TimeUnit.SECONDS);
      }
      out.join();
      err.join();
      long duration = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      int exit = finished ? process.exitValue() : 137;
      String stderr = err.text();
      if (mode.equals("bwrap") && exit == 1 && stderr.startsWith("bwrap:")) {
        return SandboxResult.platformFailure(stderr.strip(), duration);
      }
      boolean cpuExceeded = exit == 128 + 24 || exit == 128 + 9 && duration < limits.wallTimeMs();
      boolean oom = stderr.contains("MemoryError") || stderr.contains("heap out of memory")
          || stderr.contains("Cannot allocate memory");
      boolean wasCancelled = cancelled.remove(jobId) != null;
      return new SandboxResult(exit, out.text(), stderr, out.truncated || err.truncated,
          !wasCancelled && (!finished || cpuExceeded && !oom), oom, wasCancelled, duration, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill(process);
      return SandboxResult.platformFailure("interrupted", 0);
    } finally {
      running.remove(jobId);
    }
  }

  private static void feed(OutputStream in, String stdin) {
    try (in) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException ignored) {
      // the program exited without reading its input
    }
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /** Reads a stream to its end on its own thread, keeping the first {@code cap} bytes. */
  private static final class Capture extends Thread {
    private final InputStream in;
    private final int cap;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private volatile boolean truncated;

    Capture(InputStream in, int cap) {
      super("sandbox-output");
      this.in = in;
      this.cap = cap;
      setDaemon(true);
      start();
    }

    @Override
    public void run() {
      byte[] buffer = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          int room = cap - kept.size();
          if (n > room) {
            truncated = true;
          }
          if (room > 0) {
            kept.write(buffer, 0, Math.min(n, room));
          }
        }
      } catch (IOException ignored) {
        // the process was killed
      }
    }

    String text() {
      return kept.toString(StandardCharsets.UTF_8);
    }
  }
}
