package io.collab.persistence;

import io.vertx.pgclient.PgException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("PostgreSQL errors that mean an outage answer 503; the others are bugs (500)")
class OutageClassificationTest {

  @ParameterizedTest(name = "SQLSTATE {0} is an outage: {1}")
  @CsvSource({
      "57P01, true",   // admin_shutdown: pg_ctl stop -m fast, in-flight statements
      "57P02, true",   // crash_shutdown
      "57P03, true",   // cannot_connect_now: the server is starting or stopping
      "08006, true",   // connection_failure
      "08003, true",   // connection_does_not_exist
      "23505, false",  // unique_violation: the caller should have mapped it
      "42P01, false",  // undefined_table: a bug
      "22P02, false"}) // invalid_text_representation: a bug
  void classifies(String sqlState, boolean outage) {
    assertThat(PersistenceVerticle.isOutage(new PgException("message", "FATAL", sqlState, null))).isEqualTo(outage);
  }
}
