package io.collab.app;

import io.collab.config.CollabConfig;
import io.collab.support.TestServices;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a node learns which deployment it belongs to, before it joins any cluster ({@link Preflight#identify}). */
@DisplayName("A node's deployment identity")
class DeploymentIdentityTest {

  @Test
  @DisplayName("a persistence node records the id in a fresh database and finds the same one on its next start")
  void persistenceNodeRecordsTheId() {
    JsonObject json = TestServices.config();
    String first = identify(json.copy()).deployment().id();
    assertThat(first).matches("[0-9a-f-]{36}");
    assertThat(identify(json.copy()).deployment().id()).isEqualTo(first);
  }

  @Test
  @DisplayName("the default key prefix is collab: and the first 8 characters of the id; an explicit one wins")
  void keyPrefix() {
    JsonObject json = TestServices.config();
    CollabConfig derived = identify(json.copy());
    assertThat(derived.redis().keyPrefix()).isEqualTo("collab:" + derived.deployment().id().substring(0, 8));
    json.getJsonObject("redis").put("keyPrefix", "tenant-a");
    assertThat(identify(json).redis().keyPrefix()).isEqualTo("tenant-a");
  }

  @Test
  @DisplayName("an api or worker node reads the id its persistence nodes recorded")
  void otherRolesReadTheId() {
    JsonObject json = TestServices.config();
    String recorded = identify(json.copy()).deployment().id();
    for (String roles : List.of("api", "worker", "realtime")) {
      assertThat(identify(json.copy().put("roles", roles)).deployment().id()).as(roles).isEqualTo(recorded);
    }
  }

  @Test
  @DisplayName("an api node refuses to start while its database holds no id yet, unless COLLAB_DEPLOYMENT_ID pins it")
  void apiNodeBeforeAnyPersistenceNode() {
    JsonObject json = TestServices.config().put("roles", "api");
    assertThatThrownBy(() -> identify(json.copy())).hasMessageContaining("holds no deployment id yet")
        .hasMessageContaining("COLLAB_DEPLOYMENT_ID");
    String pinned = UUID.randomUUID().toString();
    json.getJsonObject("deployment").put("id", pinned);
    assertThat(identify(json).deployment().id()).isEqualTo(pinned);
  }

  @Test
  @DisplayName("a pinned id that differs from the database's is refused, naming both")
  void pinMismatch() {
    JsonObject json = TestServices.config();
    String recorded = identify(json.copy()).deployment().id();
    String pinned = UUID.randomUUID().toString();
    json.getJsonObject("deployment").put("id", pinned);
    assertThatThrownBy(() -> identify(json)).hasMessageContaining(pinned).hasMessageContaining(recorded);
  }

  @Test
  @DisplayName("two deployments on one Redis database with one explicit key prefix: the second refuses, naming both")
  void sharedPrefixIsRefused() {
    JsonObject one = TestServices.config();
    one.getJsonObject("redis").put("keyPrefix", "shared");
    JsonObject other = TestServices.config();
    other.getJsonObject("redis").put("url", one.getJsonObject("redis").getString("url")).put("keyPrefix", "shared");
    String first = identify(one).deployment().id();
    assertThatThrownBy(() -> identify(other))
        .hasMessageContaining("key prefix 'shared' belongs to deployment " + first)
        .hasMessageContaining("COLLAB_REDIS_KEY_PREFIX");
    other.getJsonObject("redis").put("keyPrefix", "other");
    assertThat(identify(other).deployment().id()).isNotEqualTo(first);
  }

  private static CollabConfig identify(JsonObject json) {
    return Preflight.identify(json, CollabConfig.from(json));
  }
}
