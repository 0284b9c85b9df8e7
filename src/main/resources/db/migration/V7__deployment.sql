-- The identity of this deployment: one row, made once with the database. Every node learns it before joining the
-- cluster (io.collab.app.Preflight), refuses a cluster of another deployment, stamps cluster-wide events with it, and
-- by default prefixes its Redis keys with it. Never updated: a new id means a new deployment.
CREATE TABLE deployment (
  id          uuid        PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now(),
  only_row    boolean     NOT NULL DEFAULT true UNIQUE CHECK (only_row)
);

INSERT INTO deployment (id) VALUES (gen_random_uuid());
