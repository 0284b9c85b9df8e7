package io.collab.common;

import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events published to every node of the cluster ({@link Bus#WORKSPACE_EVENTS}, {@link Bus#JOBS_KILL}): each
 * carries the publisher's deployment id in the {@value #DEPLOYMENT_HEADER} header, and a consumer hears only those
 * of its own deployment. Their bodies name workspaces, users and jobs by ids that are unique within one database
 * only; the cluster join check keeps other deployments out, and this is the second line behind it.
 */
public final class ClusterEvents {

  /** The header every cluster-wide event carries: the deployment id of the node that published it. */
  public static final String DEPLOYMENT_HEADER = "collab-deployment";

  private static final Logger log = LoggerFactory.getLogger(ClusterEvents.class);

  private final EventBus bus;
  private final String deploymentId;

  public ClusterEvents(EventBus bus, String deploymentId) {
    this.bus = bus;
    this.deploymentId = deploymentId;
  }

  /** Publishes {@code body} to every node, stamped with this deployment. */
  public void publish(String address, JsonObject body) {
    bus.publish(address, body, new DeliveryOptions().addHeader(DEPLOYMENT_HEADER, deploymentId));
  }

  /** Consumes the events of this deployment published to {@code address}; others are dropped with a warning. */
  public MessageConsumer<JsonObject> consumer(String address, Handler<Message<JsonObject>> handler) {
    return bus.consumer(address, message -> {
      if (ours(message)) {
        handler.handle(message);
      } else {
        log.warn("ignored an event on {} from deployment '{}': this node belongs to deployment '{}'", address,
            message.headers().get(DEPLOYMENT_HEADER), deploymentId);
      }
    });
  }

  /** An event without the header (or with another id) comes from no node of this deployment. */
  boolean ours(Message<?> message) {
    return deploymentId.equals(message.headers().get(DEPLOYMENT_HEADER));
  }
}
