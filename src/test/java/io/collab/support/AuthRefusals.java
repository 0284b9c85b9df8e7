package io.collab.support;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** How the service refuses a bearer or refresh token: one expectation for the access and the refresh endpoints. */
public final class AuthRefusals {

  private AuthRefusals() {}

  /** 401 with the JSON error shape, the stable {@code error} code and a {@code WWW-Authenticate: Bearer} challenge. */
  public static void assertTokenRefused(HttpResponse<Buffer> response, String error) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(401);
    assertThat(response.getHeader("content-type")).startsWith("application/json");
    assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo(error);
    assertThat(response.bodyAsJsonObject().getString("detail")).isNotBlank();
    assertThat(response.getHeader("WWW-Authenticate")).startsWith("Bearer");
  }
}
