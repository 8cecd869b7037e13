// Writes the OpenAPI document the Worker serves to a file, without a deployed hub: the Worker runs
// locally through wrangler (bundled from src/ with wrangler.jsonc, no state kept) just long enough
// to answer GET /api/openapi.json. `npm run lint:api` lints that file with redocly.
//   node scripts/openapi-document.mjs [out-file]     (default .wrangler/openapi.json)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
const { unstable_startWorker } = await import("wrangler");

const out = path.resolve(process.argv[2] ?? path.join(ROOT, ".wrangler", "openapi.json"));
// The document does not need the web app: serve an empty assets folder, so this runs before (or
// without) a build of web/.
const noAssets = mkdtempSync(path.join(tmpdir(), "openapi-assets-"));
const worker = await unstable_startWorker({
  config: path.join(ROOT, "wrangler.jsonc"),
  assets: noAssets,
  dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, persist: false, watch: false, logLevel: "warn" },
});
try {
  await worker.ready;
  const res = await worker.fetch("http://localhost/api/openapi.json");
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}: ${text.slice(0, 500)}`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), out) || out}`);
} finally {
  await worker.dispose();
  rmSync(noAssets, { recursive: true, force: true });
}
