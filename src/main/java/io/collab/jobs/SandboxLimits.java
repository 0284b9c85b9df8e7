package io.collab.jobs;

/**
 * What one sandboxed run may use. Every limit applies to the whole run: the wall time to the run from start to
 * kill, the others to every process of the run (CPU seconds and memory per process, processes per run).
 *
 * @param wallTimeMs     real time before the whole run is killed ({@link SandboxResult#timedOut()})
 * @param cpuSeconds     CPU time of each process (RLIMIT_CPU); past it the process gets SIGXCPU, one second later
 *                       SIGKILL ({@link SandboxResult#timedOut()} too)
 * @param memoryBytes    address space of each process (RLIMIT_AS); node gets {@value SandboxCommand#NODE_EXTRA_MIB} MiB
 *                       more, reserved by V8 for JIT code and never touched, and a heap capped at this size
 * @param maxProcesses   processes and threads of the run (RLIMIT_NPROC counted in the run's own user namespace)
 * @param maxOutputBytes bytes kept of stdout and of stderr each; the rest is read and dropped
 *                       ({@link SandboxResult#truncated()})
 */
public record SandboxLimits(long wallTimeMs, int cpuSeconds, long memoryBytes, int maxProcesses, int maxOutputBytes) {

  /** 5 s wall, 5 s CPU, 256 MiB, 64 processes, 64 KiB per stream. */
  public static final SandboxLimits DEFAULTS = new SandboxLimits(5_000, 5, 256L << 20, 64, 64 << 10);

  public SandboxLimits {
    if (wallTimeMs < 1 || cpuSeconds < 1 || memoryBytes < (16L << 20) || maxProcesses < 1 || maxOutputBytes < 0) {
      throw new IllegalArgumentException("sandbox limits out of range: wallTimeMs>=1, cpuSeconds>=1, "
          + "memoryBytes>=16MiB, maxProcesses>=1, maxOutputBytes>=0; got " + this);
    }
  }
}
