// `--profile`: V8 CPU profiles of workerd's isolates during the ingest phase, over the inspector
// protocol. Writes .bench/<target>.cpuprofile (open in Chrome DevTools) and summarizes self time
// per source file of the bundle (esbuild marks each file with a `// path` comment line).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const SAMPLING_INTERVAL_US = 200;

class Session {
  #next = 1;
  #pending = new Map();

  constructor(ws) {
    this.ws = ws;
    ws.addEventListener("message", (e) => {
      const msg = JSON.parse(String(e.data));
      const waiter = msg.id !== undefined && this.#pending.get(msg.id);
      if (!waiter) return;
      this.#pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(`${msg.error.message} (${msg.error.code})`));
      else waiter.resolve(msg.result);
    });
  }

  static open(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.addEventListener("open", () => resolve(new Session(ws)));
      ws.addEventListener("error", () => reject(new Error(`cannot open inspector session ${url}`)));
    });
  }

  send(method, params = {}) {
    const id = this.#next++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  close() {
    this.ws.close();
  }
}

/** Starts profiling the isolates whose inspector ids are `targets`; `stop()` writes and summarizes. */
export async function startProfiles({ inspectorPort, targets, outDir }) {
  const list = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
  const sessions = [];
  for (const target of targets) {
    const entry = list.find((t) => t.id === target);
    if (!entry) continue;
    const session = await Session.open(entry.webSocketDebuggerUrl);
    await session.send("Profiler.enable");
    await session.send("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    await session.send("Profiler.start");
    sessions.push({ target, session });
  }
  return {
    async stop() {
      const written = [];
      for (const { target, session } of sessions) {
        const { profile } = await session.send("Profiler.stop");
        session.close();
        const file = path.join(outDir, `${target.replaceAll(":", "_")}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        written.push({ target, file, profile });
      }
      return written;
    },
  };
}

/** Self time in ms per bucket: special nodes by name, JS by the bundle's source file or script URL. */
export function selfTimeByFile(profile, bundlePath) {
  const fileAt = bundleFileIndex(bundlePath);
  const dt = new Map();
  // Exact self time from the sample stream: each sample's delta belongs to its node.
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const buckets = new Map();
  for (const node of profile.nodes) {
    const us = dt.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    let key;
    if (!url) key = functionName ? `(${functionName.replace(/[()]/g, "")})` : "(native)";
    else if (bundlePath && url.endsWith(path.basename(bundlePath))) key = fileAt(lineNumber) ?? "(bundle)";
    else key = url;
    buckets.set(key, (buckets.get(key) ?? 0) + us / 1000);
  }
  const total = [...buckets.values()].reduce((a, b) => a + b, 0);
  return { totalMs: total, rows: [...buckets.entries()].sort((a, b) => b[1] - a[1]) };
}

function bundleFileIndex(bundlePath) {
  if (!bundlePath) return () => null;
  const marks = [];
  readFileSync(bundlePath, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(line);
      if (m) marks.push([i, m[1]]);
    });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid][0] <= line) {
        found = marks[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    // Group node_modules by package, keep src files whole.
    return found?.startsWith("node_modules/") ? found.split("/").slice(0, found.split("/")[1].startsWith("@") ? 3 : 2).join("/") : found;
  };
}
