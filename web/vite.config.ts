import { defineConfig } from "vite";

// The service serves dist/ itself (io.collab.http.WebApp): hashed files under /assets/, index.html for every page.
// `npm run dev` proxies the API and sockets to a service on :8000.
export default defineConfig({
  build: {
    outDir: "dist",
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    // no inline script anywhere: the page's Content-Security-Policy allows only files from the service
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    // the workspace chunk is CodeMirror with four languages (~225 KB gzipped), loaded only when a workspace opens
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/ws": { target: "ws://127.0.0.1:8000", ws: true },
    },
  },
});
