package io.collab.support;

import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

/** Direct SQL on a test app's own database, for arranging and inspecting what the API cannot show. */
public final class Database implements AutoCloseable {

  private final Pool pool;

  private Database(Pool pool) {
    this.pool = pool;
  }

  /** A small pool on the database {@code app} runs against. */
  public static Database of(TestApp app) {
    String url = app.config.getJsonObject("pg").getString("url");
    return new Database(PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url)).using(app.vertx).build());
  }

  public RowSet<Row> query(String sql, Object... params) {
    return pool.preparedQuery(sql).execute(Tuple.from(params)).await();
  }

  @Override
  public void close() {
    pool.close().await();
  }
}
