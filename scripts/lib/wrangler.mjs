// Runs the project's own wrangler (node_modules) non-interactively against the local D1.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** Environment for every wrangler run: no telemetry, no Request.cf download, no prompts. */
export function wranglerEnv(extra = {}) {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? "false",
    CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
    ...extra,
  };
}

/**
 * The command that runs wrangler with this Node: its CLI entry point, not the bin wrapper
 * (the wrapper turns SIGINT into SIGTERM, and esbuild dies noisily on SIGTERM).
 */
export function wranglerCommand(root) {
  const require = createRequire(path.join(root, "package.json"));
  let pkgJson;
  try {
    pkgJson = require.resolve("wrangler/package.json");
  } catch {
    throw new Error("wrangler is not installed. Run `npm install` first.");
  }
  const dir = path.dirname(pkgJson);
  const cli = path.join(dir, "wrangler-dist", "cli.js");
  if (existsSync(cli)) return [process.execPath, ["--no-warnings", cli]];
  return [process.execPath, [path.join(dir, "bin", "wrangler.js")]];
}

/**
 * Runs a one-shot wrangler command with stdin closed and CI=true, so a confirmation prompt
 * takes its non-interactive default instead of waiting. Resolves with the captured output;
 * rejects with that output when wrangler fails.
 */
export function runWrangler(root, args, { timeoutMs = 120_000 } = {}) {
  const [cmd, pre] = wranglerCommand(root);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: wranglerEnv({ CI: "true", WRANGLER_HIDE_BANNER: "true", NO_COLOR: "1", FORCE_COLOR: "0" }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr });
      const why = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
      const err = new Error(`\`wrangler ${args.join(" ")}\` ${why}\n${(stdout + stderr).trim()}`);
      reject(err);
    });
  });
}

/** Applies pending migrations from migrations/ to the local D1 database. */
export async function applyLocalMigrations(root) {
  const { stdout } = await runWrangler(root, ["d1", "migrations", "apply", "DB", "--local"]);
  if (/No migrations to apply/.test(stdout)) return [];
  // The applied ones are listed as "│ 0001_x.sql │ ✅ │" — in a table reprinted after each migration.
  return [...new Set([...stdout.matchAll(/│\s*([^\s│]+\.sql)\s*│\s*✅/g)].map((m) => m[1]))];
}

/** Runs SQL on the local D1 and returns the rows of each statement. */
export async function queryLocal(root, sql) {
  const { stdout } = await runWrangler(root, ["d1", "execute", "DB", "--local", "--json", "--command", sql]);
  return parseExecuteJson(stdout).map((r) => r.results ?? []);
}

/** Runs a SQL file on the local D1; its statements run as one batch (all or nothing). */
export async function executeLocalFile(root, file) {
  const { stdout } = await runWrangler(root, ["d1", "execute", "DB", "--local", "--json", "--file", file]);
  return parseExecuteJson(stdout);
}

function parseExecuteJson(stdout) {
  const start = stdout.indexOf("[");
  try {
    return JSON.parse(stdout.slice(start));
  } catch {
    throw new Error(`Could not read wrangler's JSON output:\n${stdout}`);
  }
}

/** A SQL string literal: single quotes doubled. NUL cannot appear in a literal, so it is refused. */
export function sqlString(value) {
  const s = String(value);
  if (s.includes("\0")) throw new Error("NUL character in SQL string");
  return `'${s.replaceAll("'", "''")}'`;
}
