-- Background jobs. The row is the record of truth; the Redis stream only carries job ids to workers.

CREATE TABLE jobs (
  id               uuid PRIMARY KEY,
  user_id          bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  workspace_id     bigint      REFERENCES workspaces (id) ON DELETE SET NULL,
  kind             text        NOT NULL DEFAULT 'run' CHECK (kind IN ('run', 'diagnostic')),
  language         text        NOT NULL,
  code             text        NOT NULL,
  stdin            text,
  timeout_ms       integer     NOT NULL,
  status           text        NOT NULL DEFAULT 'queued'
                   CHECK (status IN ('queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled')),
  attempts         integer     NOT NULL DEFAULT 0,
  max_attempts     integer     NOT NULL,
  exit_code        integer,
  stdout           text,
  stderr           text,
  truncated        boolean     NOT NULL DEFAULT false,
  error            text,
  cancel_requested boolean     NOT NULL DEFAULT false,
  idempotency_key  text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz
);
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_user_idx ON jobs (user_id, created_at DESC);
CREATE INDEX jobs_workspace_idx ON jobs (workspace_id) WHERE workspace_id IS NOT NULL;
CREATE INDEX jobs_active_idx ON jobs (user_id) WHERE status IN ('queued', 'running', 'retrying');
