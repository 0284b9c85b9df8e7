package io.collab.auth;

import io.collab.common.BusFailure;

/** Why a token was refused: always a 401 with {@code token_invalid} or {@code token_expired}. */
final class AuthFailure {

  private AuthFailure() {}

  static BusFailure invalid(String detail) {
    return new BusFailure(401, "token_invalid", detail);
  }

  static BusFailure expired(String detail) {
    return new BusFailure(401, "token_expired", detail);
  }
}
