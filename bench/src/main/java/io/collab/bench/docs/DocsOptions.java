package io.collab.bench.docs;

import io.collab.bench.common.BenchOptions;
import io.collab.bench.common.Host;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** The options of {@link DocsBench}: a scenario's defaults, then whatever the command line overrides. */
final class DocsOptions {

  static final String USAGE = """
      Usage: DocsBench [options]
        --scenario NAME        one-file:   1 file, 50 editors on it, 5 edits/s each (250 pushes/s on one document)
                               many-files: 100 files in 10 workspaces, 10 editors each (1000), 2 edits/s each
                               (sets the defaults of the next five options)                       [one-file]
        --files F              files being edited                                                  
        --workspaces W         workspaces holding them; file f is in workspace f mod W             
        --editors-per-file E   editors per file; editor k of file f connects to host (f + k) mod hosts
        --rate R               edits per second per editor (mean; each gap uniform in [0.5, 1.5]/R) 
        --users U              users whose tokens the editors use (editor k of a file uses user k mod U);
                               every user is a collaborator of every workspace                   [10]
        --hosts H:P[,H:P...]   collab instances (loopback only)                                  [127.0.0.1:8001]
        --initial-size N       characters of each file when created (ASCII lines of code)         [2000]
        --warmup S             seconds of typing before measuring (the instances start cold)      [30]
        --duration S           measured seconds of typing                                         [60]
        --drain S              after typing stops, at most this long to wait for quiescence       [30]
        --client-loops K       event loops of this client                                         [2]
        --concurrency C        handshakes in flight while connecting                              [50]
        --watch NAME=PID,...   report CPU use and run-queue waits of these processes over the window
        --run-id ID            tag for emails (default: random)
        --seed N               seed of the editors' random edits (default: random)
        --self-check           no server: run the editor model against the in-process authority
                               (io.collab.documents.Authority) with random delays, and check convergence
        --help
      """;

  String scenario = "one-file";
  int files = -1;
  int workspaces = -1;
  int editorsPerFile = -1;
  double rate = -1;
  int users = 10;
  List<Host> hosts = List.of(new Host("127.0.0.1", 8001));
  int initialSize = 2000;
  int warmup = 30;
  int duration = 60;
  int drain = 30;
  int loops = 2;
  int concurrency = 50;
  Map<String, Long> watch = new LinkedHashMap<>();
  String runId = BenchOptions.randomRunId();
  long seed = ThreadLocalRandom.current().nextLong();
  boolean selfCheck;

  int editors() {
    return files * editorsPerFile;
  }

  static DocsOptions parse(String[] args) {
    DocsOptions o = new DocsOptions();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--help", "-h" -> {
          System.out.print(USAGE);
          System.exit(0);
        }
        case "--self-check" -> {
          o.selfCheck = true;
          continue;
        }
        default -> {
          // an option with a value
        }
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--scenario" -> o.scenario = v;
        case "--files" -> o.files = Integer.parseInt(v);
        case "--workspaces" -> o.workspaces = Integer.parseInt(v);
        case "--editors-per-file" -> o.editorsPerFile = Integer.parseInt(v);
        case "--rate" -> o.rate = Double.parseDouble(v);
        case "--users" -> o.users = Integer.parseInt(v);
        case "--hosts" -> o.hosts = Host.parseList(v);
        case "--initial-size" -> o.initialSize = Integer.parseInt(v);
        case "--warmup" -> o.warmup = Integer.parseInt(v);
        case "--duration" -> o.duration = Integer.parseInt(v);
        case "--drain" -> o.drain = Integer.parseInt(v);
        case "--client-loops" -> o.loops = Integer.parseInt(v);
        case "--concurrency" -> o.concurrency = Integer.parseInt(v);
        case "--run-id" -> o.runId = v;
        case "--seed" -> o.seed = Long.parseLong(v);
        case "--watch" -> o.watch = BenchOptions.watch(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    o.applyScenario();
    o.check();
    return o;
  }

  private void applyScenario() {
    switch (scenario) {
      case "one-file" -> defaults(1, 1, 50, 5);
      case "many-files" -> defaults(100, 10, 10, 2);
      default -> throw new IllegalArgumentException("unknown scenario " + scenario + " (one-file or many-files)");
    }
  }

  private void defaults(int f, int w, int e, double r) {
    files = files < 0 ? f : files;
    workspaces = workspaces < 0 ? Math.min(w, files) : workspaces;
    editorsPerFile = editorsPerFile < 0 ? e : editorsPerFile;
    rate = rate < 0 ? r : rate;
  }

  private void check() {
    if (hosts.isEmpty() || files < 1 || workspaces < 1 || workspaces > files || editorsPerFile < 1 || rate <= 0
        || users < 1 || initialSize < 0 || warmup < 0 || duration < 1 || drain < 1 || loops < 1 || concurrency < 1
        || duration > 3600 || warmup > 600 || drain > 300) {
      throw new IllegalArgumentException("an option is out of range (workspaces <= files, duration <= 3600, "
          + "warmup <= 600, drain <= 300)");
    }
    BenchOptions.requireRunId(runId);
    Host.requireLoopback(hosts);
  }
}
