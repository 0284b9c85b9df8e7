package io.collab.bench;

import io.collab.bench.common.LongList;
import io.vertx.core.Context;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** An event loop of the client with the statistics of its sockets (only its thread touches them). */
final class RealtimeLoop {
  final int id;
  Context context;
  final List<RealtimeSocket> sockets = new ArrayList<>();
  final LongList latencies = new LongList(1 << 16);
  final LongList sentAt = new LongList(1 << 16);   // the send time (nanoTime) of each latency sample
  // wall-clock split of each measured delivery at the server's accept time ("ts", ms): client -> server accept,
  // and server accept -> this socket
  final LongList ingress = new LongList(1 << 16);
  final LongList egress = new LongList(1 << 16);
  long sentMeasured;
  long sentWarmup;
  long deliveredMeasured;
  long deliveredOther;         // bench broadcasts sent outside the measured window
  long otherBroadcasts;        // user_join, user_leave and the like
  long foreignBroadcasts;      // broadcasts by users of another run (shared Redis pub/sub channels)
  long seqGaps;                // times a socket saw seq jump forward
  long seqMissing;             // seqs skipped in those jumps
  long seqBackwards;           // duplicates or out-of-order seqs
  long recoveryFailed;
  long writeQueueFull;
  final Map<String, Long> errors = new TreeMap<>();
  final Map<String, Long> closes = new TreeMap<>();
  String minutePrefix = "";
  long minuteMillis;

  RealtimeLoop(int id) {
    this.id = id;
  }

  void latency(long sent, long nanos) {
    sentAt.add(sent);
    latencies.add(nanos);
  }

  void split(long in, long out) {
    ingress.add(in);
    egress.add(out);
  }

  void count(Map<String, Long> map, String key) {
    map.merge(key, 1L, Long::sum);
  }

  /** ts is ISO-8601 UTC with milliseconds, the fraction left out when it is .000: the loop caches the minute. */
  long epochMillis(String ts) {
    // yyyy-MM-ddTHH:mm:ss[.SSS]Z
    if (ts.length() < 20 || ts.charAt(16) != ':') {
      return Instant.parse(ts).toEpochMilli();
    }
    String prefix = ts.substring(0, 17);
    if (!prefix.equals(minutePrefix)) {
      minuteMillis = Instant.parse(prefix + "00Z").toEpochMilli();
      minutePrefix = prefix;
    }
    long seconds = (ts.charAt(17) - '0') * 10 + (ts.charAt(18) - '0');
    long millis = 0;
    if (ts.charAt(19) == '.') {
      for (int i = 20, scale = 100; i < ts.length() && Character.isDigit(ts.charAt(i)); i++, scale /= 10) {
        millis += (ts.charAt(i) - '0') * scale;
      }
    }
    return minuteMillis + seconds * 1000 + millis;
  }
}
