package io.collab.http;

import io.collab.support.TestApp;
import io.collab.support.TestServices;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

import java.time.Duration;
import java.util.function.Predicate;

import static io.collab.support.Pause.sleep;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Readiness follows the health of Redis")
class ReadinessTest {

  private RedisServer redis;
  private TestApp app;

  @AfterEach
  void cleanUp() {
    if (app != null) {
      app.stop();
    }
    if (redis != null) {
      TestServices.stopQuietly(redis);
    }
  }

  @Test
  @DisplayName("/health/ready goes 503 naming redis when Redis stops, and back to 200 when it returns")
  void redisOutage() {
    int redisPort = TestServices.freePort();
    redis = TestServices.startRedis(redisPort);
    app = TestApp.start(config -> config.getJsonObject("redis").put("url", "redis://127.0.0.1:" + redisPort));
    assertThat(app.get("/health/ready").statusCode()).isEqualTo(200);

    TestServices.stopQuietly(redis);
    HttpResponse<Buffer> down = awaitReady(r -> r.statusCode() == 503);
    JsonObject body = down.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("DOWN");
    assertThat(body.getString("error")).isEqualTo("not_ready");
    assertThat(body.getString("detail")).startsWith("redis: ");
    assertThat(body.getJsonObject("checks").getJsonObject("redis").getString("status")).isEqualTo("DOWN");
    assertThat(body.getJsonObject("checks").getJsonObject("postgres").getString("status")).isEqualTo("UP");

    redis = TestServices.startRedis(redisPort);
    HttpResponse<Buffer> up = awaitReady(r -> r.statusCode() == 200);
    assertThat(up.bodyAsJsonObject().getString("status")).isEqualTo("UP");
  }

  private HttpResponse<Buffer> awaitReady(Predicate<HttpResponse<Buffer>> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    HttpResponse<Buffer> last;
    do {
      last = app.get("/health/ready");
      if (condition.test(last)) {
        return last;
      }
      sleep(200);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("readiness never matched; last answer " + last.statusCode() + " " + last.bodyAsString());
  }

}
