package io.collab.bench;

import io.collab.bench.common.LongList;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * A plain Redis subscriber (RESP2 over a NetSocket) on the workspaces' channels: it sees each broadcast once, at
 * about the moment Redis publishes it, and records how long after its send that was.
 */
final class RedisSpy {
  final Context context;
  private final Vertx vertx;
  private final RealtimeOptions o;
  /** Whether a send time (nanoTime) lies in the measured window. */
  private final LongPredicate measured;
  Buffer pending = Buffer.buffer();
  int pos;
  final LongList latencies = new LongList(1 << 16);
  long messages;
  long seqGaps;
  final Map<String, Long> lastSeq = new HashMap<>();
  String failure;

  RedisSpy(Vertx vertx, Context context, RealtimeOptions o, LongPredicate measured) {
    this.vertx = vertx;
    this.context = context;
    this.o = o;
    this.measured = measured;
  }

  Future<Void> start(long[] workspaceIds) {
    Promise<Void> subscribed = Promise.promise();
    context.runOnContext(v -> vertx.createNetClient().connect(o.redisSpy.port(), o.redisSpy.host())
        .onFailure(err -> {
          failure = err.getMessage();
          subscribed.tryComplete();
        })
        .onSuccess(socket -> {
          socket.handler(data -> {
            try {
              onData(data);
            } catch (RuntimeException e) {
              failure = "parse error at " + java.time.LocalTime.now().withNano(0) + ": " + e;
              socket.close();
            }
          });
          socket.exceptionHandler(err -> failure = "socket error at " + java.time.LocalTime.now().withNano(0) + ": " + err);
          socket.closeHandler(x -> failure = failure != null ? failure
              : "connection closed at " + java.time.LocalTime.now().withNano(0));
          StringBuilder cmd = new StringBuilder();
          cmd.append('*').append(workspaceIds.length + 1).append("\r\n$9\r\nSUBSCRIBE\r\n");
          for (long id : workspaceIds) {
            String channel = "collab:" + o.redisSpyDb + ":ws:" + id; // io.collab.realtime.Channels
            cmd.append('$').append(channel.length()).append("\r\n").append(channel).append("\r\n");
          }
          socket.write(cmd.toString());
          // the confirmations arrive before any message published after them; a short wait is plenty
          vertx.setTimer(500, t -> subscribed.tryComplete());
        }));
    return subscribed.future();
  }

  private static final Object INCOMPLETE = new Object();

  private void onData(Buffer data) {
    long now = System.nanoTime();
    pending.appendBuffer(data);
    while (true) {
      int start = pos;
      Object value = parse();
      if (value == INCOMPLETE) {
        pos = start;
        break;
      }
      if (value instanceof List<?> list && list.size() == 3 && "message".equals(list.get(0))) {
        onMessage((String) list.get(1), (String) list.get(2), now);
      }
    }
    if (pos > 0) {
      pending = pending.getBuffer(pos, pending.length());
      pos = 0;
    }
  }

  private Object parse() {
    int eol = lineEnd();
    if (eol < 0) {
      return INCOMPLETE;
    }
    char type = (char) pending.getByte(pos);
    String line = pending.getString(pos + 1, eol);
    pos = eol + 2;
    switch (type) {
      case '*' -> {
        int n = Integer.parseInt(line);
        List<Object> items = new ArrayList<>(Math.max(0, n));
        for (int i = 0; i < n; i++) {
          Object item = parse();
          if (item == INCOMPLETE) {
            return INCOMPLETE;
          }
          items.add(item);
        }
        return items;
      }
      case '$' -> {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        if (pending.length() < pos + n + 2) {
          return INCOMPLETE;
        }
        String bulk = pending.getString(pos, pos + n, "UTF-8");
        pos += n + 2;
        return bulk;
      }
      default -> {
        return line;
      }
    }
  }

  private int lineEnd() {
    for (int i = pos; i + 1 < pending.length(); i++) {
      if (pending.getByte(i) == '\r' && pending.getByte(i + 1) == '\n') {
        return i;
      }
    }
    return -1;
  }

  private void onMessage(String channel, String message, long now) {
    messages++;
    JsonObject m;
    try {
      m = new JsonObject(message);
    } catch (RuntimeException e) {
      return;
    }
    Long seq = m.getLong("seq");
    if (seq != null) {
      Long last = lastSeq.put(channel, seq);
      if (last != null && seq > last + 1) {
        seqGaps++;
      }
    }
    if (!"bench".equals(m.getString("event")) || !m.getString("user", "").startsWith("bench-" + o.runId + "-")) {
      return;
    }
    long t = m.getJsonObject("payload").getLong("t");
    if (measured.test(t)) {
      latencies.add(now - t);
    }
  }
}
