package io.collab.persistence;

import io.collab.common.BusFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Small things every store needs: timestamps as the API shows them, the common refusals, list paging. */
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

  /** One page of a keyset-paged list: the rows to show, and whether more follow. */
  record Page(List<Row> rows, boolean more) {}

  /**
   * Runs a list statement with the actor ($1), the request's after-cursor ($2) and one row more than its page size
   * ($3), and tells from that extra row whether more follow.
   */
  static Future<Page> page(Pool pool, String sql, JsonObject request) {
    int limit = request.getInteger("limit", 100);
    Tuple arguments = Tuple.of(request.getLong("actor"), request.getLong("after", 0L), limit + 1);
    return pool.preparedQuery(sql).execute(arguments).map(rows -> {
      List<Row> page = new ArrayList<>(limit);
      for (Row row : rows) {
        if (page.size() < limit) {
          page.add(row);
        }
      }
      return new Page(page, rows.size() > limit);
    });
  }
}
