package io.collab.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * First handler on every request: takes the caller's {@code X-Request-Id} when it is sane (or makes one), echoes it
 * in the response, and writes one access-log line with it when the response ends.
 */
final class RequestLog implements Handler<RoutingContext> {

  static final String HEADER = "X-Request-Id";
  static final String KEY = "requestId";

  private static final Logger log = LoggerFactory.getLogger("collab.access");
  private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  @Override
  public void handle(RoutingContext ctx) {
    String offered = ctx.request().getHeader(HEADER);
    String id = offered != null && SANE_ID.matcher(offered).matches() ? offered : UUID.randomUUID().toString();
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    long started = System.nanoTime();
    ctx.addEndHandler(done -> log.atInfo()
        .addKeyValue("requestId", id)
        .addKeyValue("method", ctx.request().method().name())
        .addKeyValue("path", ctx.request().path())
        .addKeyValue("status", ctx.response().getStatusCode())
        .addKeyValue("ms", (System.nanoTime() - started) / 1_000_000)
        .log("request"));
    ctx.next();
  }

  static String id(RoutingContext ctx) {
    return ctx.get(KEY);
  }
}
