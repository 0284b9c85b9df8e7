-- Creating a job in one round trip. A submit used to be a five-statement transaction (advisory lock, idempotency
-- lookup, active count, insert, commit); this function does the same in one call, in the caller's (autocommit)
-- transaction.
--
-- Why a function and not one statement: the per-user lock must be taken before the count is read. A plpgsql
-- function is VOLATILE, so each statement in it takes a fresh snapshot, after the lock was granted, and sees the
-- job the previous holder committed. A single statement (a CTE) reads with one snapshot taken before the lock wait
-- and could let two submits past the quota.
CREATE FUNCTION create_job(p_id uuid, p_user_id bigint, p_workspace_id bigint, p_kind text, p_language text,
                           p_code text, p_stdin text, p_timeout_ms integer, p_max_attempts integer,
                           p_idempotency_key text, p_max_active integer)
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
                    idempotency_key)
  VALUES (p_id, p_user_id, p_workspace_id, p_kind, p_language, p_code, p_stdin, p_timeout_ms, p_max_attempts,
          p_idempotency_key);
  RETURN QUERY SELECT 'created'::text, p_id;
END
$$;
