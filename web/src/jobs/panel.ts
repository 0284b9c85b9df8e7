import { h, clear } from "../ui/dom";
import { api, get } from "../api/http";
import { describe } from "../api/errors";
import type { Job } from "../api/types";
import type { Message } from "../workspace/socket";

const FINAL = new Set(["succeeded", "failed", "cancelled"]);

interface Run {
  id: string;
  title: string;
  status: string;
  exitCode: number | null;
  error: string | null;
  startedAt: number | null;
  finishedMs: number | null;
  chunks: { stream: string; data: string }[];
  mine: boolean;
}

/**
 * Runs of the workspace's files: Run submits the open file as a job (`{workspace_id, file_id}`); the output panel
 * shows the newest run's stdout and stderr as the worker streams them over the socket (`job` messages), its status,
 * exit code and duration, with Cancel while it runs. Jobs that others start in the workspace appear the same way.
 */
export class JobsPanel {
  readonly root: HTMLElement;
  private readonly list: HTMLElement;
  private readonly output: HTMLElement;
  private readonly header: HTMLElement;
  private readonly error: HTMLElement;
  private runs = new Map<string, Run>();
  private shown: string | null = null;

  constructor(private readonly workspaceId: number, private readonly fileName: (fileId: number | null | undefined) => string | null) {
    this.header = h("div", { class: "run-head" });
    this.error = h("p", { class: "alert", role: "alert", hidden: true });
    this.output = h("pre", { class: "output", role: "log", "aria-label": "Program output", tabindex: "0" });
    this.list = h("ol", { class: "run-list", "aria-label": "Recent runs" });
    this.root = h("section", { class: "jobs", "aria-label": "Output" },
      h("div", { class: "jobs-title" }, h("h2", { text: "Output" }), this.list), this.error, this.header, this.output);
    this.draw();
  }

  async run(fileId: number, path: string): Promise<void> {
    this.showError(null);
    try {
      const { data } = await api<{ job_id: string }>("POST", "/api/jobs/submit/", { workspace_id: this.workspaceId, file_id: fileId });
      const run = this.ensure(data.job_id, path, true);
      if (run.status === "") run.status = "queued";
      this.shown = data.job_id;
      this.draw();
    } catch (err) {
      this.showError(describe(err, "the file"));
    }
  }

  /** A `job` message of the workspace socket. */
  message(m: Message): void {
    const id = String(m.job_id);
    const run = this.ensure(id, null, false);
    if (typeof m.stream === "string") {
      run.chunks.push({ stream: m.stream, data: String(m.data ?? "") });
      if (run.status === "" || run.status === "queued") run.status = "running";
    } else if (typeof m.status === "string") {
      run.status = m.status;
      if (m.status === "running" && run.startedAt === null) run.startedAt = Date.now();
      if (FINAL.has(m.status)) {
        run.exitCode = typeof m.exit_code === "number" ? m.exit_code : null;
        run.error = typeof m.error === "string" ? m.error : null;
        void this.complete(run);
      }
    }
    if (this.shown === null || (run.status === "running" && !this.isActive(this.shown))) this.shown = id;
    this.draw();
  }

  private isActive(id: string): boolean {
    const r = this.runs.get(id);
    return !!r && !FINAL.has(r.status);
  }

  private ensure(id: string, path: string | null, mine: boolean): Run {
    let run = this.runs.get(id);
    if (!run) {
      run = { id, title: path ?? "a run", status: "", exitCode: null, error: null, startedAt: null, finishedMs: null, chunks: [], mine };
      this.runs.set(id, run);
      if (!path) void this.describeRun(run);
    } else if (path) {
      run.title = path;
      run.mine = mine || run.mine;
    }
    return run;
  }

  /** Somebody else's run: the job document says which file it runs. */
  private async describeRun(run: Run): Promise<void> {
    try {
      const job = await get<Job>(`/api/jobs/${run.id}/`);
      run.title = this.fileName(job.file_id) ?? `${job.language} job`;
      this.draw();
    } catch {
      // not visible to us: keep the generic title
    }
  }

  /** The stored job has the exact duration, and the whole output if some of it streamed while we were offline. */
  private async complete(run: Run): Promise<void> {
    try {
      const job = await get<Job>(`/api/jobs/${run.id}/`);
      // measured here when the run was watched from its start (millisecond precision), else from the job's times
      if (run.startedAt !== null) run.finishedMs = Date.now() - run.startedAt;
      else if (job.started_at && job.finished_at) run.finishedMs = Date.parse(job.finished_at) - Date.parse(job.started_at);
      run.exitCode = job.exit_code;
      run.error = job.error;
      const streamed = run.chunks.reduce((n, c) => n + c.data.length, 0);
      const stored = (job.stdout ?? "").length + (job.stderr ?? "").length;
      if (stored > streamed) {
        run.chunks = [{ stream: "stdout", data: job.stdout ?? "" }, { stream: "stderr", data: job.stderr ?? "" }];
      }
    } catch {
      if (run.startedAt !== null) run.finishedMs = Date.now() - run.startedAt;
    }
    this.draw();
  }

  private async cancel(run: Run): Promise<void> {
    this.showError(null);
    try {
      await api("POST", `/api/jobs/${run.id}/cancel/`);
    } catch (err) {
      this.showError(describe(err, "the run"));
    }
  }

  private showError(message: string | null): void {
    this.error.textContent = message ?? "";
    this.error.hidden = !message;
  }

  private draw(): void {
    clear(this.list);
    const recent = [...this.runs.values()].slice(-6).reverse();
    for (const r of recent) {
      this.list.append(h("li", null, h("button", {
        type: "button", class: `run-chip status-${r.status || "queued"}${r.id === this.shown ? " current" : ""}`,
        "aria-pressed": r.id === this.shown ? "true" : "false",
        on: { click: () => { this.shown = r.id; this.draw(); } },
      }, `${r.title} · ${r.status || "queued"}`)));
    }
    clear(this.header);
    clear(this.output);
    const run = this.shown ? this.runs.get(this.shown) : undefined;
    if (!run) {
      this.output.append(h("span", { class: "muted", text: "Run a file to see its output here." }));
      return;
    }
    const status = run.status || "queued";
    const facts: (string | Node)[] = [h("strong", { class: `status status-${status}`, "data-status": status, text: status })];
    if (run.exitCode !== null) facts.push(h("span", { class: "exit-code", text: `exit code ${run.exitCode}` }));
    if (run.error) facts.push(h("span", { class: "muted", text: run.error.replace(/_/g, " ") }));
    if (run.finishedMs !== null) facts.push(h("span", { class: "duration", text: formatDuration(run.finishedMs) }));
    if (!run.mine) facts.push(h("span", { class: "muted", text: "started by someone else" }));
    this.header.append(h("span", { class: "run-title", text: run.title }), ...facts);
    if (!FINAL.has(status)) {
      this.header.append(h("button", { type: "button", class: "secondary small", text: "Cancel", on: { click: () => void this.cancel(run) } }));
    }
    for (const c of run.chunks) this.output.append(h("span", { class: c.stream === "stderr" ? "stderr" : "stdout", text: c.data }));
    if (run.chunks.length === 0) this.output.append(h("span", { class: "muted", text: FINAL.has(status) ? "(no output)" : "Waiting for output…" }));
    this.output.scrollTop = this.output.scrollHeight;
  }
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.max(0, ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}
