package io.collab.http;

import io.vertx.openapi.validation.RequestValidator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link OperationValidator} replaces vertx-openapi's request validation because of how 5.0.7 does it (a worker
 * thread hop and new schema validators for every request: 39% of the server's CPU on job submits). An upgrade may
 * fix that, or change the rules this copy mirrors: either way the workaround must be measured and checked again,
 * so an upgrade fails here first.
 */
class OperationValidatorVersionTest {

  @Test
  @DisplayName("the OpenAPI validation workaround was measured on vertx-openapi 5.0.7: re-measure it on upgrade")
  void pinnedToTheMeasuredVersion() {
    assertThat(RequestValidator.class.getPackage().getImplementationVersion())
        .as("vertx-openapi version; re-check OperationValidator against the new RequestValidatorImpl, re-run "
            + "bench/jobs, then update this test")
        .isEqualTo("5.0.7");
  }
}
