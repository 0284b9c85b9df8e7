-- Workspace files and the log of their collaborative edits.
-- A file's text and version live in its row; every accepted update (a CodeMirror ChangeSet, as JSON text) is
-- appended to file_updates in the same transaction that moves the version, under the row's lock. The log is
-- trimmed to the newest files.historyLength updates; log_start remembers how far back it still reaches.

CREATE TABLE files (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id  bigint      NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- relative POSIX path, validated by the API (1-255 bytes, no empty, '.' or '..' segment, no control character)
  path          text        NOT NULL CHECK (octet_length(path) BETWEEN 1 AND 255),
  content       text        NOT NULL DEFAULT '',
  -- UTF-8 bytes of content
  size          integer     NOT NULL DEFAULT 0,
  -- the number of updates applied since creation; update v yields version v
  version       bigint      NOT NULL DEFAULT 0,
  -- file_updates holds every update with version > log_start
  log_start     bigint      NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  updated_by    bigint      REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT files_path_unique UNIQUE (workspace_id, path)
);

CREATE TABLE file_updates (
  file_id     bigint      NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  -- the version this update yields (the first update of a file yields 1)
  version     bigint      NOT NULL,
  client_id   text        NOT NULL,
  -- ChangeSet.toJSON() text
  changes     text        NOT NULL,
  user_id     bigint      REFERENCES users (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (file_id, version)
);
