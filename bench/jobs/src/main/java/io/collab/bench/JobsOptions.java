package io.collab.bench;

import io.collab.bench.common.Host;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The options of {@link JobsBench}, with their defaults (docs/benchmarks.md's command). */
final class JobsOptions {
  String host = "127.0.0.1";
  int port = 8001;
  int jobs = 5000;
  int users = 500;
  int concurrency = 64;
  int latencyJobs = 200;
  int latencyInflight = 1;
  int latencyWarmup = 10;
  long drainTimeoutS = 900;
  long probeTimeoutS = 30;
  boolean baseline = false;
  boolean enqueue = true;
  boolean latency = true;
  int warmupRounds = 3;
  String client = "wrk";
  String wrk = "wrk";
  String workDir = System.getProperty("java.io.tmpdir");
  String code = "print(1)";
  String language = "python";
  String password = "bench-password-123";
  double targetRate = 2000;
  double targetP50Ms = 150;

  static final String HELP = """
      JobsBench: enqueue rate and end-to-end latency of collab's background jobs.

        --host HOST:PORT        API node to submit to (default 127.0.0.1:8001; loopback only)
        --jobs N                phase 1: trivial jobs to submit (default 5000)
        --users N               phase 1: users the submissions are spread over (default 500)
        --concurrency N         phase 1: submit requests in flight (default 64)
        --latency-jobs N        phase 2: measured jobs (default 200)
        --latency-inflight N    phase 2: jobs in flight at once (default 1: one after another)
        --latency-warmup N      phase 2: jobs run first and not counted (default 10)
        --drain-timeout S       between the phases: longest wait for the workers to drain the queue (default 900)
        --probe-timeout S       phase 2: longest wait for one job's succeeded event (default 30)
        --phases LIST           enqueue,latency (default both; the drain runs only when both do); add 'baseline'
                                to first time GET /health/live (no auth) and GET /api/auth/me/ (auth only) with
                                --jobs requests each at --concurrency, for comparison with the submit
        --warmup-rounds N       phase 1: rounds of --jobs submits, each cancelled at once, before the measured
                                one, so that the server's JIT has compiled the submit path (default 3; 0: none)
        --client wrk|vertx      phase 1: who sends the measured submits (default wrk, with bench/jobs/submit.lua:
                                a fraction of a JVM client's CPU per request, and the client shares the cores)
        --wrk PATH              the wrk binary (default wrk, from PATH)
        --work-dir DIR          where the tokens file for wrk is written (default the temp directory)
        --code TEXT             the job's code (default print(1))
        --language NAME         the job's language (default python)
        --target-rate R         enqueue target in submits/s (default 2000)
        --target-p50 MS         end-to-end p50 target in ms (default 150)
      """;

  static JobsOptions parse(String[] args) {
    JobsOptions o = new JobsOptions();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h") || a.equals("help")) {
        System.out.print(HELP);
        System.exit(0);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--host" -> {
          Host host = Host.parse(v, 8001);
          o.host = host.host();
          o.port = host.port();
        }
        case "--jobs" -> o.jobs = Integer.parseInt(v);
        case "--users" -> o.users = Integer.parseInt(v);
        case "--concurrency" -> o.concurrency = Integer.parseInt(v);
        case "--latency-jobs" -> o.latencyJobs = Integer.parseInt(v);
        case "--latency-inflight" -> o.latencyInflight = Integer.parseInt(v);
        case "--latency-warmup" -> o.latencyWarmup = Integer.parseInt(v);
        case "--drain-timeout" -> o.drainTimeoutS = Long.parseLong(v);
        case "--probe-timeout" -> o.probeTimeoutS = Long.parseLong(v);
        case "--phases" -> {
          List<String> phases = Arrays.asList(v.toLowerCase(Locale.ROOT).split(","));
          o.baseline = phases.contains("baseline");
          o.enqueue = phases.contains("enqueue");
          o.latency = phases.contains("latency");
        }
        case "--warmup-rounds" -> o.warmupRounds = Integer.parseInt(v);
        case "--client" -> {
          if (!v.equals("wrk") && !v.equals("vertx")) {
            throw new IllegalArgumentException("--client must be wrk or vertx");
          }
          o.client = v;
        }
        case "--wrk" -> o.wrk = v;
        case "--work-dir" -> o.workDir = v;
        case "--code" -> o.code = v;
        case "--language" -> o.language = v;
        case "--target-rate" -> o.targetRate = Double.parseDouble(v);
        case "--target-p50" -> o.targetP50Ms = Double.parseDouble(v);
        default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
      }
    }
    if (!o.host.equals("127.0.0.1") && !o.host.equals("localhost") && !o.host.equals("::1")) {
      throw new IllegalArgumentException("--host must be a loopback address, got " + o.host);
    }
    if (o.jobs < 1 || o.users < 1 || o.concurrency < 1 || o.latencyJobs < 0 || o.latencyInflight < 1) {
      throw new IllegalArgumentException("counts must be positive");
    }
    return o;
  }
}
