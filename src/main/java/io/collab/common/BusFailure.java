package io.collab.common;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;

/** The failure half of the {@link Bus} contract: an HTTP status plus a stable error code and a detail. */
public final class BusFailure extends RuntimeException {

  private final int status;
  private final String code;

  public BusFailure(int status, String code, String detail) {
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Replies to {@code message} with this failure, or with a 500 that hides the cause from clients. */
  public static void reply(Message<?> message, Throwable cause) {
    if (cause instanceof BusFailure f) {
      message.fail(f.status, f.code + ": " + f.getMessage());
    } else {
      message.fail(500, "internal_error: the request could not be completed");
    }
  }

  /** Turns what a bus request failed with back into a {@link BusFailure}. */
  public static BusFailure from(Throwable err) {
    if (err instanceof BusFailure f) {
      return f;
    }
    if (err instanceof ReplyException re) {
      return switch (re.failureType()) {
        case TIMEOUT -> new BusFailure(504, "upstream_timeout", "a backend service did not answer in time");
        case NO_HANDLERS -> new BusFailure(503, "service_unavailable", "no instance serves this request right now");
        case RECIPIENT_FAILURE, ERROR -> parse(re.failureCode(), re.getMessage());
      };
    }
    return new BusFailure(500, "internal_error", "the request could not be completed");
  }

  private static BusFailure parse(int status, String message) {
    String text = message == null ? "" : message;
    int sep = text.indexOf(": ");
    String code = sep < 0 ? text : text.substring(0, sep);
    String detail = sep < 0 ? text : text.substring(sep + 2);
    if (status < 400 || status > 599 || code.isEmpty()) {
      return new BusFailure(500, "internal_error", "the request could not be completed");
    }
    return new BusFailure(status, code, detail);
  }
}
