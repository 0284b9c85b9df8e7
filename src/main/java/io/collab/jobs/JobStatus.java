package io.collab.jobs;

import java.util.Locale;

/**
 * Where a job is in its life, as stored in {@code jobs.status} and sent over the API and the socket. The row is the
 * record of truth; its transitions are guarded in SQL ({@code JobStore}).
 */
public enum JobStatus {
  QUEUED, RUNNING, RETRYING, SUCCEEDED, FAILED, CANCELLED;

  /** The stored and wire name: {@code queued}, {@code running}, ... */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status named {@code key}; an unknown name is a bug, not input, so it throws. */
  public static JobStatus of(String key) {
    return valueOf(key.toUpperCase(Locale.ROOT));
  }

  /** Succeeded, failed or cancelled: nothing more will happen to the job. */
  public boolean isFinal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }
}
