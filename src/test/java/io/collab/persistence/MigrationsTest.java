package io.collab.persistence;

import io.collab.config.CollabConfig;
import io.collab.support.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
@DisplayName("Schema migrations")
class MigrationsTest {

  @Test
  @DisplayName("two instances starting at the same moment apply each migration exactly once")
  void concurrentStartsApplyOnce(Vertx vertx) {
    String url = TestServices.freshDatabase();
    Pool first = pool(vertx, url);
    Pool second = pool(vertx, url);

    Future<List<String>> a = Migrations.apply(vertx, first);
    Future<List<String>> b = Migrations.apply(vertx, second);
    Future.all(a, b).await();

    List<String> appliedByBoth = new ArrayList<>(a.result());
    appliedByBoth.addAll(b.result());
    assertThat(appliedByBoth).containsExactlyInAnyOrderElementsOf(Migrations.FILES);

    RowSet<Row> rows = first.query("SELECT version, count(*) AS n FROM schema_migrations GROUP BY version").execute().await();
    assertThat(rows.size()).isEqualTo(Migrations.FILES.size());
    rows.forEach(row -> assertThat(row.getLong("n")).isEqualTo(1L));

    assertThat(Migrations.apply(vertx, first).await()).isEmpty();
  }

  @Test
  @DisplayName("a migration edited after it was applied stops the start with a clear message")
  void editedMigrationIsRefused(Vertx vertx) {
    Pool pool = pool(vertx, TestServices.freshDatabase());
    Migrations.apply(vertx, pool).await();
    pool.query("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1").execute().await();

    assertThatThrownBy(() -> Migrations.apply(vertx, pool).await())
        .hasMessageContaining("V1__identity.sql changed after it was applied");
  }

  private static Pool pool(Vertx vertx, String url) {
    CollabConfig.Pg settings = new CollabConfig.Pg(url, 2, 5000);
    return PgBuilder.pool().connectingTo(settings.connectOptions()).using(vertx).build();
  }
}
