package io.collab.common;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * The event-bus contract: every address collab uses and the shape of what travels on it. Bodies are always
 * {@link io.vertx.core.json.JsonObject}s so they cross the cluster without custom codecs.
 *
 * <p>Failures are replied with {@code message.fail(status, code)}: {@code status} is the HTTP status the API answers
 * with, {@code code} the stable error code, optionally followed by {@code ": "} and a human-readable detail. See
 * {@link BusFailure}.
 */
public final class Bus {

  private Bus() {}

  /**
   * Request {@code {}}; reply {@code {"ok": true, "deployment": "<persistence deployment id>"}} once PostgreSQL
   * answered {@code SELECT 1}; fails 503 {@code postgres_unavailable} otherwise.
   */
  public static final String PERSISTENCE_PING = "collab.persistence.ping";

  // ---- users ----------------------------------------------------------------------------------------------------

  /**
   * Request {@code {"email", "username", "password_hash"}}; reply {@code {"id", "email", "username"}}. Fails 409
   * {@code already_exists} with the comma-separated taken fields ({@code email}, {@code username}) as detail.
   */
  public static final String USERS_CREATE = "collab.users.create";

  /**
   * Request {@code {"email"}} (any case); reply {@code {"id", "email", "username", "password_hash", "is_active"}}.
   * Fails 404 {@code not_found}.
   */
  public static final String USERS_CREDENTIALS = "collab.users.credentials";

  /** Request {@code {"id"}}; reply {@code {"id", "email", "username", "is_active"}}. Fails 404 {@code not_found}. */
  public static final String USERS_GET = "collab.users.get";
  /**
   * Request {@code {"ids": [user id...]}}; reply {@code {"active": [user id...]}}: those of the ids whose user
   * exists and is active. Sockets outlive the check made when they opened; hubs ask this periodically.
   */
  public static final String USERS_ACTIVE = "collab.users.active";

  // ---- refresh tokens ---------------------------------------------------------------------------------------------

  /**
   * Stores a newly issued refresh token. Request {@code {"jti", "family_id", "user_id", "token_hash", "expires_at"}}
   * ({@code expires_at} in epoch seconds); reply {@code {}}.
   */
  public static final String TOKENS_ISSUE = "collab.tokens.issue";

  /**
   * Consumes a refresh token and stores its successor in the same family, atomically. Request
   * {@code {"jti", "token_hash", "next": {"jti", "token_hash", "expires_at"}}}; reply the user {@code {"id", "email",
   * "username"}}. Fails 401 {@code token_invalid} for an unknown, revoked or reused token (reuse revokes the whole
   * family first) and for a deactivated user.
   */
  public static final String TOKENS_ROTATE = "collab.tokens.rotate";

  /**
   * Revokes the family of a refresh token. Request {@code {"jti", "token_hash"}}; reply {@code {"revoked": n}}.
   * Fails 401 {@code token_invalid} when the token is unknown.
   */
  public static final String TOKENS_REVOKE_FAMILY = "collab.tokens.revokeFamily";

  // ---- projects -------------------------------------------------------------------------------------------------
  // Every request carries "actor" (the caller's user id). A resource the actor cannot see fails 404 not_found, one it
  // can see but not change fails 403 forbidden; a stale "if_match" version fails 412 precondition_failed.
  // Resources are replied in their API shape plus "version" (the ETag source).

  /** Request {@code {"actor", "after", "limit"}}; reply {@code {"items": [project...], "more": bool}}. */
  public static final String PROJECTS_LIST = "collab.projects.list";
  /** Request {@code {"actor", "name", "description"}}; reply the project. */
  public static final String PROJECTS_CREATE = "collab.projects.create";
  /** Request {@code {"actor", "id"}}; reply the project. */
  public static final String PROJECTS_GET = "collab.projects.get";
  /** Request {@code {"actor", "id", "if_match"?, "name"?, "description"?}}; reply the project. */
  public static final String PROJECTS_UPDATE = "collab.projects.update";
  /** Request {@code {"actor", "id", "if_match"?}}; reply {@code {}}. Cascades to workspaces and members. */
  public static final String PROJECTS_DELETE = "collab.projects.delete";

  // ---- workspaces and members ---------------------------------------------------------------------------------
  // Membership arrays ("owners", "collaborators", "viewers") set who holds each role. Unknown users fail 400
  // unknown_user with the offending field as detail; leaving no owner fails 409 last_owner.

  /** Request {@code {"actor", "after", "limit"}}; reply {@code {"items": [workspace...], "more": bool}}. */
  public static final String WORKSPACES_LIST = "collab.workspaces.list";
  /** Request {@code {"actor", "project", "name", "owners"?, "collaborators"?, "viewers"?}}; reply the workspace. */
  public static final String WORKSPACES_CREATE = "collab.workspaces.create";
  /** Request {@code {"actor", "id"}}; reply the workspace. */
  public static final String WORKSPACES_GET = "collab.workspaces.get";
  /** Request {@code {"actor", "id", "if_match"?, "name"?, "owners"?, "collaborators"?, "viewers"?}}. */
  public static final String WORKSPACES_UPDATE = "collab.workspaces.update";
  /** Request {@code {"actor", "id", "if_match"?}}; reply {@code {}}. */
  public static final String WORKSPACES_DELETE = "collab.workspaces.delete";
  /** Request {@code {"actor", "id"}}; reply {@code {"items": [{"user_id", "email", "username", "role"}...]}}. */
  public static final String MEMBERS_LIST = "collab.members.list";
  /**
   * Request {@code {"actor", "id", "user_id" | "email", "role"}}; reply the member. Fails 409 already_member, 400
   * unknown_user.
   */
  public static final String MEMBERS_ADD = "collab.members.add";
  /** Request {@code {"actor", "id", "user_id", "role"}}; reply the member. */
  public static final String MEMBERS_CHANGE = "collab.members.change";
  /** Request {@code {"actor", "id", "user_id"}}; reply {@code {}}. Any member may remove itself. */
  public static final String MEMBERS_REMOVE = "collab.members.remove";

  /**
   * What a user may do in a workspace, for sockets and jobs. Request {@code {"user_id", "workspace_id"}}; reply
   * {@code {"role": "owner"|"collaborator"|"viewer", "project_id"}}. Fails 404 not_found when the user is not a
   * member (or the workspace does not exist: the two are not told apart).
   */
  public static final String WORKSPACE_ACCESS = "collab.workspaces.access";

  /**
   * Published (to every node) after a membership change commits: {@code {"type": "member_added" |
   * "member_role_changed" | "member_removed" | "workspace_deleted", "workspace_id", "user_id"?, "role"?}}. Through
   * {@link ClusterEvents} only: stamped with the deployment id, heard by nodes of the same deployment.
   */
  public static final String WORKSPACE_EVENTS = "collab.workspaces.events";

  /** {@link #WORKSPACE_EVENTS} {@code type}s. */
  public static final String MEMBER_ADDED = "member_added";
  public static final String MEMBER_ROLE_CHANGED = "member_role_changed";
  public static final String MEMBER_REMOVED = "member_removed";
  public static final String WORKSPACE_DELETED = "workspace_deleted";

  /** A {@link #WORKSPACE_EVENTS} body about one member; {@code role}: the new one, null for a removal. */
  public static JsonObject memberEvent(String type, long workspaceId, long userId, String role) {
    JsonObject event = new JsonObject().put("type", type).put("workspace_id", workspaceId).put("user_id", userId);
    return role == null ? event : event.put("role", role);
  }

  /** The {@link #WORKSPACE_EVENTS} body of a deleted workspace (also sent for each workspace of a deleted project). */
  public static JsonObject workspaceDeleted(long workspaceId) {
    return new JsonObject().put("type", WORKSPACE_DELETED).put("workspace_id", workspaceId);
  }

  // ---- workspace files and their collaborative editing ------------------------------------------------------------
  // Every request carries "actor" and "workspace_id". Rules (io.collab.workspace.Access): members read (viewers
  // included), owners and collaborators write; a caller with no role, a file of another workspace and a missing file
  // all fail 404 not_found; a viewer writing fails 403 forbidden. Limits are the persistence node's files.* settings.
  // A file is replied as {"id", "workspace_id", "path", "size", "version", "created_at", "updated_at",
  // "updated_by"} plus "content" where said. An update is {"clientID", "changes"} (changes: CodeMirror ChangeSet
  // JSON, io.collab.documents.ChangeSet); update i of a list that starts at version v yields version v + i + 1.

  /** Request {@code {"actor", "workspace_id"}}; reply {@code {"items": [file without content...]}}, sorted by path. */
  public static final String FILES_LIST = "collab.files.list";
  /**
   * Request {@code {"actor", "workspace_id", "path", "content"}}; reply the file with content, version 0. Fails 409
   * {@code path_taken}, 409 {@code too_many_files}, 413 {@code payload_too_large}.
   */
  public static final String FILES_CREATE = "collab.files.create";
  /** Request {@code {"actor", "workspace_id", "id"}}; reply the file with content. */
  public static final String FILES_GET = "collab.files.get";
  /**
   * Replaces the whole text as one update from client {@code "rest"}. Request {@code {"actor", "workspace_id", "id",
   * "content", "if_match"?}}; reply {@code {"file": file with content, "update": {"version", "clientID", "changes"}}}
   * ({@code update.version}: the version it applies to). Fails 412 {@code precondition_failed}, 413
   * {@code payload_too_large}. The caller publishes the update to open editors.
   */
  public static final String FILES_REPLACE = "collab.files.replace";
  /**
   * Request {@code {"actor", "workspace_id", "id", "path", "if_match"?}}; reply the file. The version (the text's)
   * does not move. Fails 409 {@code path_taken}, 412 {@code precondition_failed}.
   */
  public static final String FILES_RENAME = "collab.files.rename";
  /**
   * Request {@code {"actor", "workspace_id", "id", "if_match"?}}; reply {@code {}}. The update log goes with the file.
   * Fails 412 {@code precondition_failed}.
   */
  public static final String FILES_DELETE = "collab.files.delete";

  /** Request {@code {"actor", "workspace_id", "file_id"}}; reply {@code {"file_id", "path", "version", "content"}}. */
  public static final String DOCS_OPEN = "collab.docs.open";
  /**
   * The authority step of collaborative editing, under the file's row lock, in the transaction of the node's next
   * batch of pushes ({@code files.pushBatchSize}). Request
   * {@code {"actor", "workspace_id", "file_id", "version", "updates": [update...]}} ({@code version}: the document
   * version the first pushed update applies to, possibly older than the current one); reply {@code {"file_id",
   * "from", "version", "updates": [update...]}}: the accepted updates, rebased over those accepted since
   * {@code version} (one at a time, {@code io.collab.documents.Authority#push}) and with re-sent ones dropped
   * (possibly none), applying from version {@code from} up to the new {@code version}. Committed before the reply.
   * Fails 400 {@code doc_invalid_change} (malformed, or not fitting the document at {@code version}, or
   * {@code version} ahead of the document), 413 {@code doc_too_large}, 409 {@code doc_reload} ({@code version}
   * older than the retained log). The caller publishes accepted updates.
   */
  public static final String DOCS_PUSH = "collab.docs.push";
  /**
   * Request {@code {"actor", "workspace_id", "file_id", "version"}}; reply {@code {"file_id", "version", "updates":
   * [update...]}}: every update after {@code version}, in order ({@code version} is the requested one: the first
   * update applies to it, as in {@code doc_updates}). Fails 409 {@code doc_reload} when the retained log
   * no longer reaches back to {@code version}, 400 {@code doc_invalid_change} when {@code version} is ahead.
   */
  public static final String DOCS_PULL = "collab.docs.pull";

  // ---- jobs ---------------------------------------------------------------------------------------------------
  // A job is replied as {"id", "status", "language", "attempts", "max_attempts", "exit_code", "stdout", "stderr",
  // "truncated", "error", "created_at", "started_at", "finished_at", "workspace_id", "file_id", "file_version"}
  // (the file fields null for a job that runs its own code).

  /**
   * Request {@code {"user_id", "workspace_id"?, "kind", "language", "code"?, "stdin"?, "timeout_ms", "max_attempts",
   * "idempotency_key"?, "max_active"}} plus, instead of {@code code}, a file of the workspace to run:
   * {@code "file_id", "max_bytes", "languages": [enabled language...]} ({@code language} may then be null: the
   * file's extension names it). For a file job the store copies every file of the workspace, at its current version,
   * into the job row, in the transaction that creates it. Reply {@code {"id", "created": bool}} (false: the
   * idempotency key's job). With a workspace the user needs a role there that may run jobs: 404 not_found without
   * one (or for a file not in the workspace), 403 forbidden for viewers. Fails 429 quota_exceeded when the user
   * already has {@code max_active} queued or running jobs; for a file job 413 payload_too_large when the workspace's
   * files exceed {@code max_bytes} in all, 400 {@link #NO_LANGUAGE} when no language is given and the file's
   * extension names none of {@code languages}.
   */
  public static final String JOBS_CREATE = "collab.jobs.create";
  /** The failure code of {@link #JOBS_CREATE} for a file job that names no runnable language. */
  public static final String NO_LANGUAGE = "no_language";
  /** Request {@code {"id"}}: forget a job that could not be enqueued (still queued, never started). */
  public static final String JOBS_DISCARD = "collab.jobs.discard";
  /** Request {@code {"actor", "id"}}; reply the job. 404 unless the actor submitted it or is in its workspace. */
  public static final String JOBS_GET = "collab.jobs.get";
  /** Request {@code {"actor", "status"?, "workspace_id"?, "limit"}}; reply {@code {"items": [job...]}}. */
  public static final String JOBS_LIST = "collab.jobs.list";
  /**
   * Request {@code {"actor", "id"}}; reply {@code {"job", "was_running": bool}}. Queued jobs end cancelled at once;
   * running ones are flagged and killed by their worker. 403 for viewers, 409 already_finished.
   */
  public static final String JOBS_CANCEL = "collab.jobs.cancel";
  /**
   * Worker side: request {@code {"id", "lease_ms", "token"?}}; hands out a run of the job under a lease of
   * {@code lease_ms}, a compare-and-set in PostgreSQL: it succeeds on a queued job, or on a running or retrying one
   * whose lease expired or whose current {@code token} the caller presents (its own retry), and counts the attempt.
   * Reply {@code {"proceed": true, "token", "job": {..., "code", "stdin", "timeout_ms", "kind", "file_path",
   * "files"}}} (either {@code code} or {@code file_path} and {@code files}, the rest null), or {@code {"proceed":
   * false, "held": bool, "job"}}: {@code held} while another worker's lease is live (leave the job to it), otherwise
   * the job is settled (finished, cancelled, or gone: {@code job} null) and its entry may be acknowledged.
   */
  public static final String JOBS_START = "collab.jobs.start";
  /** Worker side: request {@code {"id", "token", "error"}}; a platform failure, another attempt follows. */
  public static final String JOBS_RETRYING = "collab.jobs.retrying";
  /**
   * Worker side: request {@code {"id", "token"?, "status", "exit_code"?, "stdout"?, "stderr"?, "truncated",
   * "error"?}}; records the final state once, and only for the run's holder ({@code token}; without one, only a job
   * nobody started). Reply {@code {"recorded": bool, "job"}}: false when it was already final or another run holds it.
   */
  public static final String JOBS_FINISH = "collab.jobs.finish";
  /**
   * Worker side: request {@code {"leases": [{"id", "token"}...], "lease_ms"}}; extends each lease still held by that
   * token. Reply {@code {"held": [token...]}}: a run missing from it was taken over, and its worker must stop it.
   */
  public static final String JOBS_RENEW = "collab.jobs.renew";
  /**
   * Worker side, as it stops: request {@code {"leases": [{"id", "token"}...]}} of the runs it killed (they recorded
   * nothing); ends those leases still held, so the jobs may start on another worker at once rather than after their
   * lease. Reply {@code {"released": [job id...]}}.
   */
  public static final String JOBS_RELEASE = "collab.jobs.release";
  /**
   * Reconciler: request {@code {"after"?, "older_than_ms", "limit"}}; reply {@code {"ids": [job id...]}}: at most
   * {@code limit} jobs nobody holds (queued, or running or retrying with an expired lease), created more than
   * {@code older_than_ms} ago, after job id {@code after}, in id order.
   */
  public static final String JOBS_UNCLAIMED = "collab.jobs.unclaimed";
  /** Published (to every node, through {@link ClusterEvents}) when a running job must be killed: {@code {"job_id"}}. */
  public static final String JOBS_KILL = "collab.jobs.kill";

  // ---- node-local: realtime hubs and the node's Redis subscriber --------------------------------------------------

  /**
   * Local request {@code {"workspace_id"}} from a socket hub to its node's realtime verticle: count one more local
   * socket; replies (empty) once the workspace's Redis channel is subscribed, fails 503 when Redis refused.
   */
  public static final String REALTIME_JOIN = "collab.realtime.join";
  /** Local request {@code {"workspace_id"}}: count one local socket less (the last one unsubscribes). */
  public static final String REALTIME_LEAVE = "collab.realtime.leave";

  /**
   * Local publish from the node's Redis subscriber to its hubs: a sequenced broadcast of workspace {@code id} as
   * the JSON text sockets receive, with its {@code seq} in the {@code seq} header.
   */
  public static String realtimeDelivery(long workspaceId) {
    return "collab.realtime.deliver." + workspaceId;
  }

  /**
   * Local publish from the node's Redis subscriber to its hubs: a document message of workspace {@code id}
   * ({@code doc_updates}, {@code doc_renamed}, {@code doc_deleted}) as the JSON text sockets receive.
   */
  public static String documentDelivery(long workspaceId) {
    return "collab.realtime.documents." + workspaceId;
  }

  /**
   * Node-local shared-data map: role name ({@code api}, {@code persistence}, ...) to the deployment id of its
   * verticle, filled by the launcher as each role is deployed and read by the readiness probe.
   */
  public static final String DEPLOYMENTS_MAP = "collab.deployments";
  /**
   * Node-local shared-data map the job worker keeps current for the probes: {@code "breaker"} (the circuit
   * breaker's state name) and {@code "sandbox"} (boolean: the sandbox can run programs here).
   */
  public static final String JOBS_STATE_MAP = "collab.jobs.state";

  /**
   * Node-local twin of a persistence address. Persistence verticles consume both; callers on a node that runs
   * persistence use the local one, so the hot request path never crosses the cluster when it does not have to.
   */
  public static String local(String address) {
    return "local." + address;
  }

  public static DeliveryOptions timeout(long millis) {
    return new DeliveryOptions().setSendTimeout(millis);
  }
}
