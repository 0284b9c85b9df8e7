package io.collab.persistence;

import io.collab.common.BusFailure;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Small conversions every store needs: timestamps as the API shows them, and the common refusals. */
final class Rows {

  private Rows() {}

  /** ISO-8601 in UTC to the second, as the former service printed it: {@code 2025-12-26T17:23:38Z}. */
  static String timestamp(OffsetDateTime value) {
    return DateTimeFormatter.ISO_INSTANT.format(value.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS));
  }

  static BusFailure notFound(String what) {
    return new BusFailure(404, "not_found", "no such " + what);
  }

  static BusFailure forbidden(String why) {
    return new BusFailure(403, "forbidden", why);
  }

  static BusFailure stale() {
    return new BusFailure(412, "precondition_failed", "the resource changed since it was read; fetch it again");
  }

  /** True when the request names a version and the stored one differs. */
  static boolean staleVersion(JsonObject request, long stored) {
    Long expected = request.getLong("if_match");
    return expected != null && expected != stored;
  }

  /** The after-cursor and page size of a list request, fetching one extra row to learn whether more follow. */
  static long after(JsonObject request) {
    return request.getLong("after", 0L);
  }

  static int limit(JsonObject request) {
    return request.getInteger("limit", 100);
  }
}
