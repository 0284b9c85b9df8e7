package io.collab.realtime;

import io.collab.app.CollabConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The realtime hub of an instance: bridges the sockets connected here to Redis pub/sub (fan-out across instances),
 * presence and per-workspace history. The socket protocol itself arrives with the realtime issue; for now the hub
 * only proves its Redis connection at start.
 */
public class RealtimeVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(RealtimeVerticle.class);

  private Redis redis;

  @Override
  public Future<?> start() {
    CollabConfig config = CollabConfig.from(config());
    redis = Redis.createClient(vertx, config.redis().options());
    return redis.send(Request.cmd(Command.PING))
        .onSuccess(pong -> log.info("realtime hub connected to Redis at {}", config.redis().where()));
  }

  @Override
  public Future<?> stop() {
    return redis.close();
  }
}
