package io.collab.bench.common;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Event-loop contexts of the load generator's own: each client socket lives on one, and only that loop's thread
 * touches it and its statistics.
 */
public final class EventLoops {

  private EventLoops() {}

  /** {@code count} distinct event-loop contexts (the Vert.x instance needs at least that many loops). */
  public static List<Context> deploy(Vertx vertx, int count) throws Exception {
    List<Context> contexts = new CopyOnWriteArrayList<>();
    vertx.deployVerticle(() -> new Anchor(contexts), new DeploymentOptions().setInstances(count))
        .await(30, TimeUnit.SECONDS);
    return new ArrayList<>(contexts);
  }

  /** Deployed once per loop, only to obtain an event-loop context of its own. */
  private static final class Anchor extends VerticleBase {
    private final List<Context> contexts;

    Anchor(List<Context> contexts) {
      this.contexts = contexts;
    }

    @Override
    public Future<?> start() {
      contexts.add(context);
      return Future.succeededFuture();
    }
  }
}
