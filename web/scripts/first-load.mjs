// What a first visit downloads, gzipped as the service sends it (Vert.x compresses at zlib's default level 6):
// the login page (index.html's script and styles) and a deep link into a workspace (those plus the editor chunk).
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const dist = path.resolve(process.argv[2] ?? "dist");
const html = fs.readFileSync(path.join(dist, "index.html"), "utf8");
const entry = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);

function closure(files) {
  const seen = new Set();
  const walk = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    if (!f.endsWith(".js")) return;
    const code = fs.readFileSync(path.join(dist, f), "utf8");
    for (const m of code.matchAll(/["'`]\.\/([\w.-]+\.(?:js|css))["'`]/g)) walk(`assets/${m[1]}`);
  };
  files.forEach(walk);
  return [...seen];
}

const gz = (f) => zlib.gzipSync(fs.readFileSync(path.join(dist, f)), { level: 6 }).length;
const report = (label, files) => {
  const total = files.reduce((n, f) => n + gz(f), 0);
  console.log(`${label}: ${(total / 1024).toFixed(1)} KiB gzipped JS+CSS (${files.map((f) => `${path.basename(f)} ${(gz(f) / 1024).toFixed(1)}`).join(", ")})`);
  return total;
};

const login = report("login page", entry);
const workspace = report("workspace deep link", closure(entry));
const budget = 400 * 1024;
if (Math.max(login, workspace) > budget) {
  console.error(`over the 400 KiB budget`);
  process.exit(1);
}
