-- A job's run is held under a lease. Starting a job is a compare-and-set: it succeeds only on a queued job, or on a
-- running/retrying one whose lease expired (its worker died or lost PostgreSQL) or whose token the caller presents
-- (its own retry). It hands out a fresh token; renewals, the retrying mark and the final result must present it, so a
-- stale holder can neither extend, retry nor finish a run another worker took over. Two workers never run a job at
-- the same time, however often its stream entry is delivered, reclaimed or re-enqueued.
ALTER TABLE jobs
  ADD COLUMN lease_token uuid,         -- the current run's token (NULL: never started)
  ADD COLUMN lease_until timestamptz;  -- the holder must renew before this; afterwards anyone may start the job

-- The reconciler walks the unsettled jobs in id order, a page at a time, to put back on the queue those Redis lost.
CREATE INDEX jobs_unsettled_idx ON jobs (id) WHERE status IN ('queued', 'running', 'retrying');
