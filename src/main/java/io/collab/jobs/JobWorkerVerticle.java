package io.collab.jobs;

import io.collab.app.CollabConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs background jobs taken from the Redis {@code jobs} stream. The queue consumer, the sandbox and the retry
 * policy arrive with the jobs issue; for now the worker only proves its Redis connection at start.
 */
public class JobWorkerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(JobWorkerVerticle.class);

  private Redis redis;

  @Override
  public Future<?> start() {
    CollabConfig config = CollabConfig.from(config());
    redis = Redis.createClient(vertx, config.redis().options());
    return redis.send(Request.cmd(Command.PING))
        .onSuccess(pong -> log.info("job worker connected to Redis at {}", config.redis().where()));
  }

  @Override
  public Future<?> stop() {
    return redis.close();
  }
}
