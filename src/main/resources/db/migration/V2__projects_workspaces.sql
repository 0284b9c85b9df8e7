-- Projects, their workspaces and who may do what in each.

CREATE TABLE projects (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
  description  text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 10000),
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- bumped on every change; the ETag of the representation
  version      bigint      NOT NULL DEFAULT 1
);
CREATE INDEX projects_owner_idx ON projects (owner_id);

CREATE TABLE workspaces (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id  bigint      NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- bumped on every change, membership included (members are part of the representation)
  version     bigint      NOT NULL DEFAULT 1
);
CREATE INDEX workspaces_project_idx ON workspaces (project_id);

CREATE TABLE workspace_members (
  workspace_id  bigint      NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role          text        NOT NULL CHECK (role IN ('owner', 'collaborator', 'viewer')),
  added_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX workspace_members_user_idx ON workspace_members (user_id);
