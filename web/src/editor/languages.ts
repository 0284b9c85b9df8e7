import type { Extension } from "@codemirror/state";
import { StreamLanguage } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { javascript } from "@codemirror/lang-javascript";
import { markdown } from "@codemirror/lang-markdown";
import { shell } from "@codemirror/legacy-modes/mode/shell";

/** Syntax highlighting by file extension; anything else is plain text. */
export function languageFor(path: string): Extension {
  const ext = path.toLowerCase().split(".").pop() ?? "";
  switch (ext) {
    case "py":
      return python();
    case "js":
    case "mjs":
    case "cjs":
      return javascript();
    case "ts":
      return javascript({ typescript: true });
    case "sh":
    case "bash":
      return StreamLanguage.define(shell);
    case "md":
    case "markdown":
      return markdown();
    default:
      return [];
  }
}

/** The job language the API infers from the same extensions (issue 12): only these files can run. */
export function runnable(path: string): boolean {
  return /\.(py|js|sh)$/i.test(path);
}
