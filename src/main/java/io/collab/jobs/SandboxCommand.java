package io.collab.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of one sandboxed run: {@code setsid}, {@code nice}, in {@code bwrap} mode (as root) setpriv and
 * bwrap with its namespaces and mounts, then the {@link #WRAPPER} script that sets the rlimits inside and execs the
 * language's interpreter. See {@link Sandbox} for what the sandbox allows.
 */
final class SandboxCommand {

  /** The interpreter of a language: the file the code is written to, its argv, address space beyond the limit. */
  record Lang(String file, List<String> argv, long extraAddressSpace) {

    String interpreter() {
      return argv.get(0);
    }
  }

  /** Address space node gets beyond the memory limit: V8 reserves 512 MiB for JIT code up front. */
  static final int NODE_EXTRA_MIB = 768;
  static final String PATH = "/usr/bin:/bin";
  static final String NOBODY = "65534";
  /** The wrapper prints this on stderr once the sandbox is set up: what comes before it is bwrap's, not the run's. */
  static final String STARTED = "\u0001sandbox-started\n";
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

  private final Sandbox.Mode mode;
  private final long tmpBytes;
  private final int niceness;
  private final String bwrap;
  private final boolean root;

  /**
   * @param tmpBytes size of the private /tmp (and /dev/shm) tmpfs; also the largest file a run may write
   * @param niceness CPU niceness of everything a run starts, 0 (none) to 19
   * @param root     whether this JVM runs as root (bwrap then runs as nobody)
   */
  SandboxCommand(Sandbox.Mode mode, long tmpBytes, int niceness, String bwrap, boolean root) {
    this.mode = mode;
    this.tmpBytes = tmpBytes;
    this.niceness = niceness;
    this.bwrap = bwrap;
    this.root = root;
  }

  Sandbox.Mode mode() {
    return mode;
  }

  /** The interpreter of {@code language}, null when the sandbox has none. */
  static Lang lang(String language, SandboxLimits limits) {
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
   * The argv of a run.
   *
   * @param dir       the run's working directory as the wrapper sees it (/tmp inside bwrap, a host directory in
   *                  {@code none} mode)
   * @param codeBytes bytes of code the wrapper reads from stdin before the program's input (0 with a workspace)
   * @param workspace the files to run, or null to run the code from stdin
   */
  List<String> argv(Lang lang, SandboxLimits limits, String dir, int codeBytes, WorkspaceCopy workspace) {
    List<String> cmd = new ArrayList<>();
    cmd.add("/usr/bin/setsid"); // own process group, killed as a whole
    if (niceness > 0) { // before the sandbox, so that its setup is as low a priority as the program
      cmd.addAll(List.of("/usr/bin/nice", "-n", Integer.toString(niceness)));
    }
    if (mode == Sandbox.Mode.BWRAP) {
      cmd.addAll(bwrap(workspace));
    }
    long addressKib = (limits.memoryBytes() + lang.extraAddressSpace()) / 1024;
    cmd.addAll(List.of("/bin/bash", "-c", WRAPPER, "sandbox", dir, Integer.toString(codeBytes),
        Integer.toString(limits.cpuSeconds()), Long.toString(addressKib),
        mode == Sandbox.Mode.BWRAP ? Integer.toString(limits.maxProcesses()) : "", Long.toString(tmpBytes / 1024),
        workspace == null ? lang.file() : workspace.entry(),
        workspace == null ? "" : mode == Sandbox.Mode.BWRAP ? WORKSPACE_MOUNT : workspace.dir().toString()));
    cmd.addAll(lang.argv());
    return cmd;
  }

  /** setpriv (as root) and bwrap with its namespaces, mounts and environment, up to its {@code --}. */
  private List<String> bwrap(WorkspaceCopy workspace) {
    List<String> cmd = new ArrayList<>();
    if (root) { // never root on the host, even if the sandbox were escaped; rlimits then count for nobody
      cmd.addAll(List.of("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
          "--inh-caps=-all", "--bounding-set=-all"));
    }
    cmd.addAll(List.of(bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
        "--new-session", "--cap-drop", "ALL", "--uid", NOBODY, "--gid", NOBODY, "--hostname", "sandbox",
        "--ro-bind", "/usr", "/usr"));
    for (String top : List.of("/bin", "/lib", "/lib64")) {
      cmd.addAll(hostTop(top));
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
    return cmd;
  }

  /** A top-level host directory as the host has it: a symlink (merged /usr) or a read-only bind, else nothing. */
  private static List<String> hostTop(String top) {
    Path path = Path.of(top);
    try {
      if (Files.isSymbolicLink(path)) {
        return List.of("--symlink", Files.readSymbolicLink(path).toString(), top);
      }
      return Files.isDirectory(path) ? List.of("--ro-bind", top, top) : List.of();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + top, e);
    }
  }
}
