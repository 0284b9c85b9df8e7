package io.collab.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The service as operators run it: {@code io.collab.app.Main} in a child JVM, with its own environment. */
public final class ServiceProcess implements AutoCloseable {

  private final Process process;
  private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
  private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());

  private ServiceProcess(Process process) {
    this.process = process;
    pump(process.getInputStream(), stdout);
    pump(process.getErrorStream(), stderr);
  }

  public static ServiceProcess start(Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("-Xmx256m");
    command.add("io.collab.app.Main");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(key -> key.startsWith("COLLAB_"));
    builder.environment().putAll(env);
    try {
      return new ServiceProcess(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for the exit code, or returns empty if the process is still running after {@code timeout}. */
  public Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? Optional.of(process.exitValue()) : Optional.empty();
  }

  /** Waits for a stdout line starting with {@code prefix}. */
  public Optional<String> awaitLine(String prefix, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      synchronized (stdout) {
        for (String line : stdout) {
          if (line.startsWith(prefix)) {
            return Optional.of(line);
          }
        }
      }
      if (!process.isAlive()) {
        return Optional.empty();
      }
      Pause.sleep(100);
    }
    return Optional.empty();
  }

  public List<String> stderr() {
    synchronized (stderr) {
      return List.copyOf(stderr);
    }
  }

  public List<String> stdout() {
    synchronized (stdout) {
      return List.copyOf(stdout);
    }
  }

  /** Ends the process at once (SIGKILL), as a crash would: no shutdown hook, no goodbye to anyone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  private static void pump(java.io.InputStream in, List<String> sink) {
    Thread thread = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          sink.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "service-output");
    thread.setDaemon(true);
    thread.start();
  }
}
