package io.collab.app;

import io.collab.config.ConfigException;
import io.collab.config.ConfigLoader;
import io.collab.config.CollabConfig;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Settings from the environment, as {@code start} reads them: typed, and refused with the setting's name. */
@DisplayName("Settings from COLLAB_* environment variables")
class SettingsTest {

  private static CollabConfig from(Map<String, String> env) {
    return CollabConfig.from(ConfigLoader.load(env));
  }

  @Test
  @DisplayName("the defaults of the sandbox, user-check and compression settings")
  void defaults() {
    CollabConfig config = from(Map.of());
    assertThat(config.jobs().niceness()).isEqualTo(10);
    assertThat(config.auth().activeUserCacheMs()).isEqualTo(2000);
    assertThat(config.auth().activeUserCacheEntries()).isEqualTo(100_000);
    assertThat(config.realtime().userCheckSeconds()).isEqualTo(10);
    assertThat(config.realtime().compression()).isFalse();
  }

  @Test
  @DisplayName("environment variables set them, with their types")
  void fromEnvironment() {
    CollabConfig config = from(Map.of("COLLAB_JOBS_NICENESS", "19", "COLLAB_AUTH_ACTIVE_USER_CACHE_MS", "0",
        "COLLAB_REALTIME_USER_CHECK_SECONDS", "1", "COLLAB_REALTIME_COMPRESSION", "true"));
    assertThat(config.jobs().niceness()).isEqualTo(19);
    assertThat(config.auth().activeUserCacheMs()).isZero();
    assertThat(config.realtime().userCheckSeconds()).isEqualTo(1);
    assertThat(config.realtime().compression()).isTrue();
  }

  @Test
  @DisplayName("the Redis key prefix: collab without a deployment id, collab:<first 8 of the id> with one, or as set")
  void keyPrefix() {
    assertThat(from(Map.of()).redis().keyPrefix()).isEqualTo("collab");
    String id = "3f2a9c1d-0000-4000-8000-00000000abcd";
    CollabConfig pinned = from(Map.of("COLLAB_DEPLOYMENT_ID", id.toUpperCase()));
    assertThat(pinned.deployment().id()).isEqualTo(id);
    assertThat(pinned.redis().keyPrefix()).isEqualTo("collab:3f2a9c1d");
    assertThat(pinned.redis().key("jobs")).isEqualTo("collab:3f2a9c1d:jobs");
    assertThat(from(Map.of("COLLAB_DEPLOYMENT_ID", id, "COLLAB_REDIS_KEY_PREFIX", "tenant-a.prod")).redis().keyPrefix())
        .isEqualTo("tenant-a.prod");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
      "COLLAB_JOBS_NICENESS,                  20,                        'jobs.niceness must be'",
      "COLLAB_JOBS_NICENESS,                  -1,                        'jobs.niceness must be'",
      "COLLAB_AUTH_ACTIVE_USER_CACHE_MS,      -5,                        'auth.activeUserCacheMs must be'",
      "COLLAB_AUTH_ACTIVE_USER_CACHE_ENTRIES, 0,                         'auth.activeUserCacheEntries must be'",
      "COLLAB_REALTIME_USER_CHECK_SECONDS,    0,                         'realtime.userCheckSeconds must be'",
      "COLLAB_JOBS_WORKSPACE_BYTES,           33554433,                  'jobs.workspaceBytes must be'",
      "COLLAB_REDIS_KEY_PREFIX,               '{ws:1}',                  'redis.keyPrefix '",
      "COLLAB_REDIS_KEY_PREFIX,               'two words',               'redis.keyPrefix '",
      "COLLAB_REDIS_KEY_PREFIX,               'trailing:',               'redis.keyPrefix '",
      "COLLAB_DEPLOYMENT_ID,                  'staging',                 'deployment.id '",
      "COLLAB_DEPLOYMENT_ID,                  '3f2a9c1d-0000-4000-8000', 'deployment.id '"})
  @DisplayName("a number out of range, a key prefix with braces, spaces or a trailing colon, or a deployment id that is no"
      + " UUID, is refused with the setting's name")
  void refused(String variable, String value, String messageStart) {
    assertThatThrownBy(() -> from(Map.of(variable, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(messageStart);
  }
}
