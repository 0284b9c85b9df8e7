package io.collab.workspace;

import java.util.Set;

/**
 * Who may do what in a workspace: the one home of these rules. A caller with no role (null) sees nothing: every
 * operation answers 404, so a workspace's existence never leaks to outsiders; a member whose role does not allow
 * the operation gets 403.
 */
public final class Access {

  private Access() {}

  /** Read the workspace, its members, its files and their edits; open files in the editor. Every member. */
  public static boolean mayRead(WorkspaceRole role) {
    return role != null;
  }

  /** Create, replace, rename and delete files, push edits: owners and collaborators. */
  public static boolean mayWriteFiles(WorkspaceRole role) {
    return role == WorkspaceRole.OWNER || role == WorkspaceRole.COLLABORATOR;
  }

  /** Run code (or a workspace file) as a job in the workspace: owners and collaborators. */
  public static boolean mayRunJobs(WorkspaceRole role) {
    return role == WorkspaceRole.OWNER || role == WorkspaceRole.COLLABORATOR;
  }

  /** Cancel a job of the workspace: its submitter, or a member who may run jobs there. */
  public static boolean mayCancelJob(WorkspaceRole role, boolean submitter) {
    return submitter || mayRunJobs(role);
  }

  /** Rename or delete the workspace, add, change and remove members: owners. */
  public static boolean mayManage(WorkspaceRole role) {
    return role == WorkspaceRole.OWNER;
  }

  /**
   * Send socket event {@code event} to the workspace: writers send anything; viewers only the events the
   * {@code realtime.viewerEvents} setting names (presence-like events such as {@code cursor}).
   */
  public static boolean maySend(WorkspaceRole role, String event, Set<String> viewerEvents) {
    return role != null && (role != WorkspaceRole.VIEWER || viewerEvents.contains(event));
  }

  /**
   * SQL condition: the caller sees the project, as its owner or as a member of any of its workspaces (members of one
   * workspace see the project it belongs to, read-only).
   *
   * @param projectAlias the alias of the {@code projects} row in the enclosing query
   * @param userId SQL expression for the caller's user id
   */
  public static String projectVisibleSql(String projectAlias, String userId) {
    return "(" + projectAlias + ".owner_id = " + userId + " OR EXISTS ("
        + " SELECT 1 FROM workspaces vw JOIN workspace_members vm ON vm.workspace_id = vw.id"
        + " WHERE vw.project_id = " + projectAlias + ".id AND vm.user_id = " + userId + "))";
  }

  /**
   * SQL for the caller's effective role in a workspace, as a scalar subquery yielding {@code 'owner'},
   * {@code 'collaborator'}, {@code 'viewer'} or NULL: the project owner owns every workspace of the project, anyone
   * else has the role of their membership.
   *
   * @param workspaceId SQL expression for the workspace id (a parameter such as {@code $1}, or a column)
   * @param userId SQL expression for the caller's user id
   */
  public static String effectiveRoleSql(String workspaceId, String userId) {
    return "(SELECT CASE WHEN ep.owner_id = " + userId + " THEN 'owner' ELSE"
        + " (SELECT em.role FROM workspace_members em WHERE em.workspace_id = ew.id AND em.user_id = " + userId + ")"
        + " END FROM workspaces ew JOIN projects ep ON ep.id = ew.project_id WHERE ew.id = " + workspaceId + ")";
  }
}
