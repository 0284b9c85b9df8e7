export interface Project {
  id: number;
  name: string;
  description: string;
  owner: number;
  created_at: string;
}

export interface Workspace {
  id: number;
  name: string;
  created_at: string;
  project: number;
  owners: number[];
  collaborators: number[];
  viewers: number[];
}

export type Role = "owner" | "collaborator" | "viewer";

export interface Member {
  user_id: number;
  email: string;
  username: string;
  role: Role;
}

/** A workspace file as listed (issue 12): no content. */
export interface FileEntry {
  id: number;
  path: string;
  size: number;
  version: number;
  updated_at: string;
  updated_by: number | null;
}

export interface Job {
  id: string;
  status: "queued" | "running" | "retrying" | "succeeded" | "failed" | "cancelled";
  language: string;
  exit_code: number | null;
  stdout: string | null;
  stderr: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  workspace_id: number | null;
  file_id?: number | null;
}

/** The caller's role in a workspace: project owners own every workspace of their project. */
export function roleIn(ws: Workspace, userId: number, projectOwner?: number): Role | null {
  if (ws.owners.includes(userId) || projectOwner === userId) return "owner";
  if (ws.collaborators.includes(userId)) return "collaborator";
  if (ws.viewers.includes(userId)) return "viewer";
  return null;
}
