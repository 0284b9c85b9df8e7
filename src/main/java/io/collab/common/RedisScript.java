package io.collab.common;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script run by its SHA-1 ({@code EVALSHA}): the script text crosses the network once per Redis server, not
 * with every call. When the server does not know the script (first use, a restart, {@code SCRIPT FLUSH}) it
 * answers {@code NOSCRIPT}; the script is then loaded and the same call sent again.
 */
public final class RedisScript {

  private final String source;
  private final String sha;

  public RedisScript(String source) {
    this.source = source;
    this.sha = sha1(source);
  }

  /** {@code EVALSHA <sha> <numKeys>}: append the keys, then the arguments, and {@link #send} it. */
  public Request call(int numKeys) {
    return Request.cmd(Command.EVALSHA).arg(sha).arg(numKeys);
  }

  public Future<Response> send(Redis redis, Request call) {
    return redis.send(call).recover(err -> String.valueOf(err.getMessage()).startsWith("NOSCRIPT")
        ? redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(source)).compose(loaded -> redis.send(call))
        : Future.failedFuture(err));
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-1", e);
    }
  }
}
