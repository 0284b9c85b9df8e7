package io.collab.app;

import io.collab.common.Bus;
import io.collab.config.NodeRole;
import io.collab.config.CollabConfig;
import io.collab.http.HttpVerticle;
import io.collab.jobs.JobEvents;
import io.collab.jobs.JobWorkerVerticle;
import io.collab.persistence.PersistenceVerticle;
import io.collab.realtime.Broker;
import io.collab.realtime.Protocol;
import io.collab.realtime.RealtimeVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.redis.client.Redis;

import java.util.function.Supplier;

/**
 * Deploys the verticles this instance's roles call for, persistence first (it migrates the schema) and the HTTP
 * edge last (so nothing is served before the rest is up). Records each deployment for the readiness probe.
 */
public class MainVerticle extends VerticleBase {


  private CollabConfig config;

  @Override
  public Future<?> start() {
    config = CollabConfig.from(config());
    Future<?> chain = Future.succeededFuture();
    if (config.has(NodeRole.PERSISTENCE)) {
      chain = chain.compose(v -> deploy(NodeRole.PERSISTENCE, PersistenceVerticle::new, 1));
    }
    if (config.has(NodeRole.REALTIME)) {
      chain = chain.compose(v -> deploy(NodeRole.REALTIME, RealtimeVerticle::new, 1));
    }
    if (config.has(NodeRole.WORKER)) {
      chain = chain.compose(v -> deploy(NodeRole.WORKER, () -> new JobWorkerVerticle(MainVerticle::jobEvents), 1));
    }
    // The HTTP edge runs everywhere (health and metrics); it carries the REST API when the api role is on.
    NodeRole edgeRole = config.has(NodeRole.API) ? NodeRole.API : null;
    return chain.compose(v -> deploy(edgeRole, HttpVerticle::new, httpInstances()));
  }

  @Override
  public Future<?> stop() {
    vertx.sharedData().getLocalMap(Bus.DEPLOYMENTS_MAP).clear();
    return Future.succeededFuture();
  }

  /**
   * The first step of stopping a node: its job worker stops while the node's other verticles still run (Vert.x would
   * undeploy them all at once), so that it can give its running jobs back through the persistence verticle. Never
   * fails; a node without a worker has nothing to do.
   */
  public static Future<Void> stopWorker(Vertx vertx) {
    String worker = vertx.sharedData().<String, String>getLocalMap(Bus.DEPLOYMENTS_MAP).remove(NodeRole.WORKER.key());
    return worker == null ? Future.succeededFuture() : vertx.undeploy(worker).recover(err -> Future.succeededFuture());
  }

  private int httpInstances() {
    int configured = config.http().instances();
    return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
  }

  /** Job events reach workspaces as sequenced realtime broadcasts: the launcher ties the two features together. */
  private static JobEvents jobEvents(Redis redis, CollabConfig config) {
    Broker broker = new Broker(redis, config.redis(), config.realtime());
    return (workspaceId, jobId, event) -> broker.publish(workspaceId, Protocol.job(jobId, event)).mapEmpty();
  }

  private Future<String> deploy(NodeRole role, Supplier<? extends VerticleBase> verticle, int instances) {
    DeploymentOptions options = new DeploymentOptions().setConfig(config.raw()).setInstances(instances);
    return vertx.deployVerticle(verticle, options).onSuccess(id -> {
      if (role != null) {
        LocalMap<String, String> deployed = vertx.sharedData().getLocalMap(Bus.DEPLOYMENTS_MAP);
        deployed.put(role.key(), id);
      }
    });
  }
}
