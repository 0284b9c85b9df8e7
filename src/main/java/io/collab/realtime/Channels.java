package io.collab.realtime;

import io.collab.config.CollabConfig;

/**
 * Names of the workspaces' pub/sub channels. Keys live in the Redis database the URL names, channels do not: every
 * client of a server hears every channel, whatever its database. The database number is therefore part of the
 * name, so that two deployments (or environments) sharing a Redis server on different databases never deliver
 * each other's workspace messages; so is the deployment's key prefix, for deployments sharing one database.
 */
record Channels(String prefix) {

  static Channels of(CollabConfig.RedisSettings redis) {
    return new Channels(redis.key(redis.database() + ":ws:"));
  }

  String of(long workspaceId) {
    return prefix + workspaceId;
  }

  /** The workspace a channel of ours belongs to, or null for any other channel. */
  Long workspaceOf(String channel) {
    if (!channel.startsWith(prefix)) {
      return null;
    }
    try {
      return Long.parseLong(channel.substring(prefix.length()));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
