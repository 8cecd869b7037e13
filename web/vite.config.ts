import { defineConfig } from "vite";

// The desk is served by the Worker from web/dist (wrangler.jsonc `assets`). In `vite` dev mode the
// Worker's paths are proxied to a hub started by `npm start` (HUB_URL, default 127.0.0.1:8787).
const hub = process.env.HUB_URL ?? "http://127.0.0.1:8787";

export default defineConfig({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  server: {
    proxy: {
      "/api": hub,
      "/webhooks": hub,
      "/healthz": hub,
      "/agent": { target: hub, ws: true },
      "/supervisor": { target: hub, ws: true },
    },
  },
});
