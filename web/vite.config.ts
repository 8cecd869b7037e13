import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { defineConfig, type Plugin } from "vite";

// The desk is served by the Worker from web/dist (wrangler.jsonc `assets`). In `vite` dev mode the
// Worker's paths are proxied to a hub started by `npm start` (HUB_URL, default 127.0.0.1:8787).
const hub = process.env.HUB_URL ?? "http://127.0.0.1:8787";

const swaggerUi = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** What the API reference page (GET /api/docs) loads from /api-reference/: Swagger UI, its licence, and the page's initializer. */
const referenceFiles: Record<string, string> = {
  "swagger-ui-bundle.js": path.join(swaggerUi, "swagger-ui-bundle.js"),
  "swagger-ui-bundle.js.LICENSE.txt": path.join(swaggerUi, "swagger-ui-bundle.js.LICENSE.txt"),
  "swagger-ui.css": path.join(swaggerUi, "swagger-ui.css"),
  "favicon-32x32.png": path.join(swaggerUi, "favicon-32x32.png"),
  LICENSE: path.join(swaggerUi, "LICENSE"),
  NOTICE: path.join(swaggerUi, "NOTICE"),
  "init.js": path.join(import.meta.dirname, "api-reference", "init.js"),
  "page.css": path.join(import.meta.dirname, "api-reference", "page.css"),
};

/** Ships the reference page's files in the build (and serves them in dev): no CDN, works offline. */
function apiReference(): Plugin {
  return {
    name: "api-reference",
    generateBundle() {
      for (const [name, file] of Object.entries(referenceFiles)) {
        this.emitFile({ type: "asset", fileName: `api-reference/${name}`, source: readFileSync(file) });
      }
    },
    configureServer(server) {
      server.middlewares.use("/api-reference", (req, res, next) => {
        const file = referenceFiles[(req.url ?? "").split("?")[0]!.replace(/^\//, "")];
        if (!file) return next();
        const type = file.endsWith(".js") ? "text/javascript; charset=utf-8" : file.endsWith(".css") ? "text/css; charset=utf-8" : file.endsWith(".png") ? "image/png" : "text/plain; charset=utf-8";
        res.setHeader("Content-Type", type);
        res.end(readFileSync(file));
      });
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [apiReference()],
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
