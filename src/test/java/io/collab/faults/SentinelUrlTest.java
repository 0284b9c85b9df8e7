package io.collab.faults;

import io.collab.config.CollabConfig;
import io.collab.config.ConfigException;
import io.collab.config.ConfigLoader;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("COLLAB_REDIS_URL naming a Sentinel deployment")
class SentinelUrlTest {

  private static CollabConfig.RedisSettings redis(String url) {
    return CollabConfig.from(ConfigLoader.load(Map.of("COLLAB_REDIS_URL", url))).redis();
  }

  @Test
  @DisplayName("redis-sentinel://[:password@]h1:p1,h2[:26379]/<master>[/<db>] asks the sentinels for the master")
  void sentinelOptions() {
    RedisOptions options = redis("redis-sentinel://:s3cret@10.0.0.2:26380,10.0.0.1/orders/3").options();
    assertThat(options.getType()).isEqualTo(RedisClientType.SENTINEL);
    assertThat(options.getRole()).isEqualTo(RedisRole.MASTER);
    assertThat(options.getMasterName()).isEqualTo("orders");
    assertThat(options.isAutoFailover()).isFalse();
    assertThat(options.getEndpoints())
        .containsExactly("redis://:s3cret@10.0.0.1:26379/3", "redis://:s3cret@10.0.0.2:26380/3");
  }

  @Test
  @DisplayName("its identity is the sorted sentinels, the master name and the database, without the password")
  void identity() {
    CollabConfig.RedisSettings a = redis("redis-sentinel://:pw@h2:26379,h1:26379/orders/3");
    CollabConfig.RedisSettings b = redis("redis-sentinel://h1:26379,h2/orders/3");
    assertThat(a.where()).isEqualTo("redis-sentinel://h1:26379,h2:26379/orders").isEqualTo(b.where());
    assertThat(a.database()).isEqualTo(3);
    assertThat(redis("redis-sentinel://h1/orders").database()).isZero();
  }

  @Test
  @DisplayName("a plain redis:// URL is one server, as before")
  void single() {
    CollabConfig.RedisSettings plain = redis("redis://:pw@127.0.0.1:6380/2");
    assertThat(plain.options().getType()).isEqualTo(RedisClientType.STANDALONE);
    assertThat(plain.where()).isEqualTo("127.0.0.1:6380");
    assertThat(plain.database()).isEqualTo(2);
  }

  @Test
  @DisplayName("a malformed Sentinel URL is refused at start, without echoing the password")
  void malformed() {
    assertThatThrownBy(() -> redis("redis-sentinel://:pw@h1:26379"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("redis-sentinel://h1:26379")
        .hasMessageNotContaining("pw");
    assertThatThrownBy(() -> redis("redis-sentinel://h1:99999/orders")).isInstanceOf(ConfigException.class);
  }
}
