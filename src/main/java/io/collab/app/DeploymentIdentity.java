package io.collab.app;

import io.collab.config.CollabConfig;

/**
 * What makes nodes parts of one deployment: the deployment id recorded in its PostgreSQL database, and the Redis
 * database and key prefix its nodes share state in. Two nodes whose identities differ never stay in one cluster.
 *
 * @param id the deployment id (empty when unknown: verticles deployed directly, as some tests do)
 * @param redis {@code host:port/database} of the Redis URL, without credentials (for a Sentinel URL its sorted
 *     sentinels and master name, {@code redis-sentinel://h1:26379,h2:26379/mymaster/0}: the same before and after a
 *     failover)
 * @param keyPrefix the resolved {@code redis.keyPrefix}
 */
record DeploymentIdentity(String id, String redis, String keyPrefix) {

  static DeploymentIdentity of(CollabConfig config) {
    return new DeploymentIdentity(config.deployment().id(),
        config.redis().where() + "/" + config.redis().database(), config.redis().keyPrefix());
  }

  /** {@code deployment 3f2a… (Redis 10.0.0.5:6379/0, key prefix 'collab:3f2a9c1d')}: for log lines and comparison. */
  String describe() {
    return "deployment " + (id.isEmpty() ? "(unknown)" : id) + " (Redis " + redis + ", key prefix '" + keyPrefix + "')";
  }
}
