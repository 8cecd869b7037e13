// A local stand-in for the Telegram Bot API: answers sendMessage like Telegram does and records
// when each reply arrived, by the marker the agents put in the reply text.
import http from "node:http";
import { performance } from "node:perf_hooks";

/** The marker an agent puts in a reply to update `index`, and how it is read back. */
export const replyMarker = (index) => `[b${index}]`;
const MARKER = /\[b(\d+)\]/;

export async function startBotApi({ botToken }) {
  const arrivals = new Map(); // update index → ms (performance.now()) of the first arrival
  const stats = { requests: 0, duplicates: 0, unmatched: 0, rejected: 0 };
  // Message ids count per chat, across both directions, as in Telegram's private chats; the
  // customer's message in each bench chat is 1, so the bot's first reply there is 2.
  const lastMessageId = new Map();

  const server = http.createServer((req, res) => {
    const at = performance.now();
    stats.requests++;
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const answer = (status, body) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      };
      if (req.method !== "POST" || req.url !== `/bot${botToken}/sendMessage`) {
        stats.rejected++;
        return answer(404, { ok: false, error_code: 404, description: "Not Found" });
      }
      let payload;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        stats.rejected++;
        return answer(400, { ok: false, error_code: 400, description: "Bad Request: can't parse JSON" });
      }
      const { chat_id, text } = payload ?? {};
      if (typeof text !== "string" || text.length === 0 || chat_id === undefined) {
        stats.rejected++;
        return answer(400, { ok: false, error_code: 400, description: "Bad Request: message text is empty" });
      }
      const m = MARKER.exec(text);
      if (!m) stats.unmatched++;
      else if (arrivals.has(Number(m[1]))) stats.duplicates++;
      else arrivals.set(Number(m[1]), at);
      const message_id = (lastMessageId.get(chat_id) ?? 1) + 1;
      lastMessageId.set(chat_id, message_id);
      answer(200, {
        ok: true,
        result: { message_id, date: Math.floor(Date.now() / 1000), chat: { id: chat_id, type: "private" }, text },
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    arrivals,
    stats,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
