package io.collab.support;

import io.collab.support.Actors.Actor;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;

/**
 * The old name of a user ({@code Account}) and its logins, kept only for the realtime tests that still use it
 * ({@code TokenLifetimeTest}, {@code SocketHandshakeTest}) while they are being edited elsewhere. Use
 * {@link Actors} and {@link Actor}: every user has {@link Actors#PASSWORD}, whatever an {@code Account} says.
 */
@Deprecated
public final class Users {

  /** An account as its owner knows it. */
  public record Account(long id, String email, String username, String password) {}

  /** What a login or a refresh hands out. */
  public record Tokens(String access, String refresh) {

    public static Tokens of(HttpResponse<Buffer> response) {
      Actors.Tokens tokens = Actors.Tokens.of(response);
      return new Tokens(tokens.access(), tokens.refresh());
    }
  }

  private Users() {}

  /** Registers a new, unique account; fails the test unless the service answers 201. */
  public static Account register(TestApp app) {
    Actor actor = new Actors(app).signUp("user");
    return new Account(actor.id(), actor.email(), actor.username(), Actors.PASSWORD);
  }

  /** Logs {@code account} in; fails the test unless the service answers 200. */
  public static Tokens login(TestApp app, Account account) {
    Actors.Tokens tokens = new Actors(app).login(new Actor(account.id(), account.email(), account.username(), null));
    return new Tokens(tokens.access(), tokens.refresh());
  }

  /** Registers a new account and logs it in. */
  public static Tokens registerAndLogin(TestApp app) {
    return login(app, register(app));
  }

  /** {@code POST /api/auth/refresh/} with {@code {"refresh": <refresh>}}. */
  public static HttpResponse<Buffer> refresh(TestApp app, String refresh) {
    return new Actors(app).refresh(refresh);
  }
}
