package io.collab.jobs;

/**
 * How a sandboxed run ended. A program that fails (non-zero exit, timeout, out of memory, cancelled) is a result
 * with {@code error == null}; {@code error} is set only when the platform failed: the sandbox could not start.
 *
 * @param exitCode    the program's exit status, 128+signal when a signal ended it (137 when killed), -1 when the
 *                    sandbox never started
 * @param stdout      what the program wrote on stdout, UTF-8 decoded, at most {@code maxOutputBytes}
 * @param stderr      the same for stderr
 * @param truncated   stdout or stderr was longer than {@code maxOutputBytes}
 * @param timedOut    the wall time or the CPU time ran out and the run was killed
 * @param outOfMemory the program failed for want of memory, as far as that shows: its interpreter said so on stderr
 *                    (Python's MemoryError, node's heap out of memory, "Cannot allocate memory")
 * @param cancelled   {@link Sandbox#cancel(String)} killed the run
 * @param durationMs  from starting the sandbox to the end of its last process
 * @param error       why the sandbox could not run the program, or null
 */
public record SandboxResult(int exitCode, String stdout, String stderr, boolean truncated, boolean timedOut,
                            boolean outOfMemory, boolean cancelled, long durationMs, String error) {

  static SandboxResult platformFailure(String error, long durationMs) {
    return new SandboxResult(-1, "", "", false, false, false, false, durationMs, error);
  }

  /** The program ran and exited 0 within its limits. */
  public boolean succeeded() {
    return error == null && exitCode == 0 && !timedOut && !outOfMemory && !cancelled;
  }
}
