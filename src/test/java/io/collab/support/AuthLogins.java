package io.collab.support;

import io.collab.support.Actors.Tokens;

/** Two logins of one new user, as from two devices: the tokens of each, for tests of what the logins share. */
public record AuthLogins(Tokens first, Tokens second) {

  public static AuthLogins ofOneUser(Actors actors) {
    Actors.Actor account = actors.signUp("user");
    return new AuthLogins(actors.login(account), actors.login(account));
  }
}
