package io.collab.realtime;

import io.collab.common.Bus;
import io.collab.common.BoundedRedis;
import io.collab.config.CollabConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's bridge between Redis pub/sub and its sockets. Socket hubs (one per HTTP verticle instance) ask it to
 * {@link Bus#REALTIME_JOIN} a workspace when their first socket for it arrives and to {@link Bus#REALTIME_LEAVE}
 * when their last goes; it keeps one Redis subscription per workspace that has local sockets, and hands every
 * message to the hubs on {@link Bus#realtimeDelivery(long)} with its {@code epoch} and {@code seq} in headers. A lost
 * subscription connection is re-established with backoff and every channel resubscribed; sockets notice the gap by
 * seq and refill it from history.
 */
public class RealtimeVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(RealtimeVerticle.class);

  /**
   * How every document message's text starts ({@code doc_updates}, {@code doc_renamed}, {@code doc_deleted}: no seq);
   * anything else was sequenced by the broker: broadcasts, and job and workspace events too.
   */
  private static final String DOCUMENT_START = "{\"type\":\"doc_";
  private static final String EPOCH_FIELD = ",\"epoch\":\"";
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Map<Long, Integer> localSockets = new HashMap<>();
  private final List<Message<JsonObject>> joinsAwaitingConnection = new ArrayList<>();
  private CollabConfig config;
  private Channels channels;
  private BoundedRedis subscriberClient;
  private RedisConnection subscriber;
  private long reconnectDelay = 100;
  private boolean stopping;
  private boolean reconnecting;

  @Override
  public Future<?> start() {
    config = CollabConfig.from(config());
    channels = Channels.of(config.redis());
    vertx.eventBus().<JsonObject>localConsumer(Bus.REALTIME_JOIN, this::join);
    vertx.eventBus().<JsonObject>localConsumer(Bus.REALTIME_LEAVE, this::leave);
    return connect().onSuccess(v -> log.info("realtime hub subscribed to Redis at {}", config.redis().where()));
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    return subscriberClient == null ? Future.succeededFuture() : subscriberClient.close();
  }

  private Future<Void> connect() {
    subscriberClient = new BoundedRedis(Redis.createClient(vertx, config.redis().options()),
        config.redis().commandTimeoutMs());
    return subscriberClient.connect().<Void>compose(conn -> {
      subscriber = conn;
      conn.handler(this::onPush);
      conn.exceptionHandler(err -> reconnect("error: " + err.getMessage()));
      conn.endHandler(v -> reconnect("connection closed"));
      if (localSockets.isEmpty()) {
        return subscriberClient.bounded(conn.send(Request.cmd(Command.PING))).mapEmpty();
      }
      Request resubscribe = Request.cmd(Command.SUBSCRIBE);
      localSockets.keySet().forEach(id -> resubscribe.arg(channels.of(id)));
      return subscriberClient.bounded(conn.send(resubscribe)).mapEmpty();
    }).onSuccess(v -> answerJoinsAwaitingConnection());
  }

  private void reconnect(String why) {
    if (stopping || reconnecting) {
      return;
    }
    reconnecting = true;
    subscriber = null;
    log.warn("Redis subscription lost ({}); reconnecting", why);
    subscriberClient.close();
    scheduleConnect();
  }

  private void scheduleConnect() {
    vertx.setTimer(reconnectDelay, t -> connect()
        .onSuccess(v -> {
          reconnecting = false;
          reconnectDelay = 100;
          log.info("Redis subscription restored ({} channels)", localSockets.size());
        })
        .onFailure(err -> {
          subscriber = null;
          subscriberClient.close();
          reconnectDelay = Math.min(reconnectDelay * 2, 5_000);
          scheduleConnect();
        }));
  }

  private void join(Message<JsonObject> request) {
    long workspaceId = request.body().getLong("workspace_id");
    int count = localSockets.merge(workspaceId, 1, Integer::sum);
    if (subscriber == null) {
      joinsAwaitingConnection.add(request);  // subscribed with every other channel once the connection is back
      return;
    }
    if (count > 1) {
      request.reply(null);  // already subscribed
      return;
    }
    subscriberClient.bounded(subscriber.send(Request.cmd(Command.SUBSCRIBE).arg(channels.of(workspaceId))))
        .onSuccess(ok -> request.reply(null))
        .onFailure(err -> request.fail(503, "redis_unavailable: " + err.getMessage()));
  }

  /**
   * The hub answers a joining socket with {@code presence_state} once its join is answered, and the socket is then
   * live: answered before the channel is subscribed again, it would miss what is published meanwhile until a later
   * message revealed the gap. (A join that waits past the event bus's timeout fails, and the socket is closed 1001.)
   */
  private void answerJoinsAwaitingConnection() {
    joinsAwaitingConnection.forEach(request -> request.reply(null));
    joinsAwaitingConnection.clear();
  }

  private void leave(Message<JsonObject> request) {
    long workspaceId = request.body().getLong("workspace_id");
    Integer count = localSockets.computeIfPresent(workspaceId, (id, n) -> n > 1 ? n - 1 : null);
    if (count == null && subscriber != null) {
      subscriber.send(Request.cmd(Command.UNSUBSCRIBE).arg(channels.of(workspaceId)));
    }
    request.reply(null);
  }

  /** RESP3 pushes (or RESP2 arrays): {@code ["message", channel, payload]}. */
  private void onPush(Response push) {
    if (push == null || (push.type() != ResponseType.PUSH && push.type() != ResponseType.MULTI) || push.size() < 3
        || !"message".equals(push.get(0).toString())) {
      return;
    }
    Long workspaceId = channels.workspaceOf(push.get(1).toString());
    if (workspaceId == null) {
      return;
    }
    String message = push.get(2).toString();
    if (message.startsWith(DOCUMENT_START)) {
      vertx.eventBus().publish(Bus.documentDelivery(workspaceId), message, LOCAL);
    } else {
      vertx.eventBus().publish(Bus.realtimeDelivery(workspaceId), message, new DeliveryOptions().setLocalOnly(true)
          .addHeader("seq", String.valueOf(seqOf(message))).addHeader("epoch", epochOf(message)));
    }
  }

  /** The sequencer writes {@code ,"seq":N}} last, so the number is read without parsing the message. */
  static long seqOf(String message) {
    int colon = message.lastIndexOf(':');
    return Long.parseLong(message.substring(colon + 1, message.length() - 1));
  }

  /**
   * The sequencer writes {@code ,"epoch":"E","seq":N}} last (E is letters and digits): the nearest epoch field before
   * the seq is the sequencer's, whatever the payload holds. Empty if there is none (sequenced by a version without
   * epochs): sockets then see an epoch change, which they announce.
   */
  static String epochOf(String message) {
    int seqField = message.lastIndexOf(",\"seq\":");
    int epochField = message.lastIndexOf(EPOCH_FIELD, seqField);
    return epochField < 0 ? "" : message.substring(epochField + EPOCH_FIELD.length(), seqField - 1);
  }
}
