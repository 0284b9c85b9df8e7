package io.collab.jobs;

import io.collab.config.CollabConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;

/**
 * Where a worker tells a job's workspace what the job does: status changes and live output, as {@code job} socket
 * messages (see {@code io.collab.realtime.Protocol}). The realtime layer implements it and the launcher hands it to
 * the worker, so the jobs feature depends on no realtime class.
 */
@FunctionalInterface
public interface JobEvents {

  /** Sends {@code event} (the message's fields besides {@code type} and {@code job_id}) to the workspace's members. */
  Future<Void> publish(long workspaceId, String jobId, JsonObject event);

  /** Makes the worker's {@link JobEvents} on its own Redis client, which the worker closes when it stops. */
  @FunctionalInterface
  interface Factory {
    JobEvents create(Redis redis, CollabConfig config);
  }
}
