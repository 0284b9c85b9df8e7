package io.collab.common;

import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;

/** The caller's IP address, for rate limits and logs. */
public final class ClientAddress {

  private ClientAddress() {}

  /**
   * The first {@code X-Forwarded-For} hop when {@code trustForwardedFor} is on (behind a proxy that sets it), the
   * socket's peer otherwise: a header a client can forge must not decide its own rate limit.
   */
  public static String of(RoutingContext ctx, boolean trustForwardedFor) {
    if (trustForwardedFor) {
      String forwarded = ctx.request().getHeader("X-Forwarded-For");
      if (forwarded != null && !forwarded.isBlank()) {
        int comma = forwarded.indexOf(',');
        return (comma < 0 ? forwarded : forwarded.substring(0, comma)).trim();
      }
    }
    SocketAddress remote = ctx.request().remoteAddress();
    return remote == null ? "unknown" : remote.hostAddress();
  }
}
