package io.collab.persistence;

import io.collab.app.CollabConfig;
import io.collab.common.Bus;
import io.collab.common.BusFailure;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Owns the PostgreSQL pool and every SQL statement. Other verticles reach the database only through the addresses
 * in {@link Bus}. Schema migrations run before the first consumer is registered.
 */
public class PersistenceVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(PersistenceVerticle.class);

  private Pool pool;

  @Override
  public Future<?> start() {
    CollabConfig config = CollabConfig.from(config());
    pool = PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(config.pg().poolSize()).setShared(true).setName("collab-pg")
            .setConnectionTimeout(config.pg().connectTimeoutMs()).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
        .connectingTo(config.pg().connectOptions())
        .using(vertx)
        .build();
    return Migrations.apply(vertx, pool)
        .onSuccess(applied -> log.info("schema up to date ({} migration(s) applied now)", applied.size()))
        .compose(applied -> registerConsumers());
  }

  private Future<Void> registerConsumers() {
    return vertx.eventBus().<JsonObject>consumer(Bus.PERSISTENCE_PING, this::ping).completion();
  }

  private void ping(Message<JsonObject> message) {
    pool.query("SELECT 1").execute()
        .onSuccess(rows -> message.reply(new JsonObject().put("ok", true).put("deployment", deploymentID())))
        .onFailure(err -> BusFailure.reply(message,
            new BusFailure(503, "postgres_unavailable", String.valueOf(err.getMessage()))));
  }
}
