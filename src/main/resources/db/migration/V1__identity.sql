-- Users and their refresh tokens.

CREATE TABLE users (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email          text        NOT NULL,
  username       text        NOT NULL,
  password_hash  text        NOT NULL,
  is_active      boolean     NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now()
);
-- Emails are unique whatever their case; the address is still returned as the user typed it.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (username);

-- One row per refresh token issued. A login starts a family; each refresh consumes its token and adds a child.
-- Presenting a consumed token again revokes the whole family (theft detection).
CREATE TABLE refresh_tokens (
  jti          uuid PRIMARY KEY,
  family_id    uuid        NOT NULL,
  user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash   text        NOT NULL,
  issued_at    timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  consumed_at  timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
