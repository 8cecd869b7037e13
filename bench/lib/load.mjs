// Closed-loop HTTP load over loopback: C requests in flight until N are done or the deadline passes.
import http from "node:http";
import { performance } from "node:perf_hooks";
import { usernameOf } from "./agents.mjs";

const REQUEST_TIMEOUT_MS = 30_000;

/** The base of Telegram user ids in the run: real ids are positive and fit in 52 bits. */
const USER_ID_BASE = 7_100_000_000;
const UPDATE_ID_BASE = 880_000_000;

export const TEXTS = [
  "Merhaba, siparişim nerede? 📦",
  "Здравствуйте! Где мой заказ? 🙏",
  "こんにちは、注文した商品がまだ届きません 😢",
  "Hola, ¿pueden cambiar la dirección de envío? 🏠",
  "مرحبا، أريد إلغاء طلبي ❌",
  "Grüß Gott, die Rechnung fehlt 🧾",
];
export const NAMES = [
  ["Zeynep", "Çelik"],
  ["Дмитрий", "Смирнов"],
  ["陽菜", "佐藤"],
  ["José", "Núñez"],
  ["ليلى", "حداد"],
  ["Jürgen", "Weiß"],
];

/** Telegram user id of update `index`; a private chat's id is its user's id. */
export const userIdOf = (index) => USER_ID_BASE + index;

/** An authentic Bot API Update: a private text message from a user writing for the first time. */
export function telegramUpdate(index, date = Math.floor(Date.now() / 1000)) {
  const [first, last] = NAMES[index % NAMES.length];
  const from = { id: userIdOf(index), is_bot: false, first_name: first, last_name: last, username: usernameOf(index), language_code: "tr" };
  return {
    update_id: UPDATE_ID_BASE + index,
    message: {
      message_id: 1,
      from,
      chat: { id: from.id, first_name: first, last_name: last, username: from.username, type: "private" },
      date,
      text: `${TEXTS[index % TEXTS.length]} #${index}`,
    },
  };
}

/**
 * Runs `count` requests, `concurrency` at a time, over keep-alive connections. `make(i)` gives
 * each request's method, path, headers and body; `after(i, result)`, when given, is awaited before
 * that worker sends its next request. Requests not started by `deadline` (a performance.now()
 * instant) are skipped. Resolves with per-request timings and the phase's span.
 */
export async function runLoad({ baseUrl, count, concurrency, deadline, make, after }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const results = new Array(count);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      results[i] = await request(agent, baseUrl, make(i));
      if (after) await after(i, results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const finished = performance.now();
  agent.destroy();
  const done = results.filter(Boolean);
  const ok = done.filter((r) => r.status >= 200 && r.status < 300).length;
  const statuses = {};
  for (const r of done) statuses[r.status || r.error] = (statuses[r.status || r.error] ?? 0) + 1;
  return { results, started, finished, attempted: done.length, ok, statuses, perSecond: ok / ((finished - started) / 1000) };
}

function request(agent, baseUrl, { method, path, headers = {}, body }) {
  return new Promise((resolve) => {
    const start = performance.now();
    const req = http.request(
      { agent, host: baseUrl.hostname, port: baseUrl.port, method, path, headers: body ? { ...headers, "content-length": body.byteLength } : headers },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ start, end: performance.now(), status: res.statusCode, body: res.statusCode >= 300 ? Buffer.concat(chunks).toString("utf8").slice(0, 300) : undefined }));
        res.on("error", (err) => resolve({ start, end: performance.now(), status: 0, error: err.code ?? err.message }));
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve({ start, end: performance.now(), status: 0, error: err.code ?? err.message }));
    req.end(body);
  });
}

/** A webhook request of update `index` (telegramUpdate) to `path`, with Telegram's secret-token header. */
export function telegramRequest(index, { path, secretToken, date }) {
  const body = Buffer.from(JSON.stringify(telegramUpdate(index, date)));
  return { method: "POST", path, headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secretToken }, body };
}
