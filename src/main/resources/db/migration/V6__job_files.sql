-- Jobs that run a workspace file. The files are copied into the job's row at submit (the snapshot), so a worker on
-- any node runs the job from the row alone, whatever happens to the files afterwards. A job runs either its own
-- code or a snapshot, never both.

ALTER TABLE jobs
  ALTER COLUMN code DROP NOT NULL,
  -- the file that runs, as it was at submit; no foreign key: the job's record outlives the file
  ADD COLUMN file_id      bigint,
  ADD COLUMN file_version bigint,
  -- its path at submit, relative to the working directory
  ADD COLUMN file_path    text,
  -- every file of the workspace at submit: [{"path", "content"}...]
  ADD COLUMN files        jsonb,
  ADD CONSTRAINT jobs_code_or_files CHECK (
    (code IS NOT NULL AND file_id IS NULL AND file_version IS NULL AND file_path IS NULL AND files IS NULL)
    OR (code IS NULL AND file_id IS NOT NULL AND file_version IS NOT NULL AND file_path IS NOT NULL
        AND jsonb_typeof(files) = 'array'));

-- create_job (V4) gains the file columns; the comment there says why it is a function.
DROP FUNCTION create_job(uuid, bigint, bigint, text, text, text, text, integer, integer, text, integer);

CREATE FUNCTION create_job(p_id uuid, p_user_id bigint, p_workspace_id bigint, p_kind text, p_language text,
                           p_code text, p_stdin text, p_timeout_ms integer, p_max_attempts integer,
                           p_idempotency_key text, p_max_active integer, p_file_id bigint, p_file_version bigint,
                           p_file_path text, p_files jsonb)
  RETURNS TABLE (outcome text, job_id uuid)
  LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  existing uuid;
BEGIN
  PERFORM pg_advisory_xact_lock(p_user_id); -- one submit per user at a time, until this transaction ends
  IF p_idempotency_key IS NOT NULL THEN
    SELECT j.id INTO existing FROM jobs j WHERE j.user_id = p_user_id AND j.idempotency_key = p_idempotency_key;
    IF FOUND THEN
      RETURN QUERY SELECT 'existing'::text, existing;
      RETURN;
    END IF;
  END IF;
  -- counts no further than the quota: the check costs the same however many jobs wait
  IF (SELECT count(*) FROM (SELECT 1 FROM jobs j
                             WHERE j.user_id = p_user_id AND j.status IN ('queued', 'running', 'retrying')
                             LIMIT p_max_active) active) >= p_max_active THEN
    RETURN QUERY SELECT 'quota_exceeded'::text, NULL::uuid;
    RETURN;
  END IF;
  INSERT INTO jobs (id, user_id, workspace_id, kind, language, code, stdin, timeout_ms, max_attempts,
                    idempotency_key, file_id, file_version, file_path, files)
  VALUES (p_id, p_user_id, p_workspace_id, p_kind, p_language, p_code, p_stdin, p_timeout_ms, p_max_attempts,
          p_idempotency_key, p_file_id, p_file_version, p_file_path, p_files);
  RETURN QUERY SELECT 'created'::text, p_id;
END
$$;
