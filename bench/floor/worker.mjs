// The floor: a minimal Worker doing only the irreducible work of the hub's customer cycle, run by
// `npm run bench -- --floor` in the same workerd process as the hub (its own D1 database and its own
// Durable Object class), so the two can be compared under the same load. Plain JS, no build step.
//
//   inbound    POST /floor/webhook: constant-time check of X-Telegram-Bot-Api-Secret-Token, one D1
//              batch writing contact, ticket and message (unique constraints make a retry store
//              nothing), one object call that writes one row and pushes one `offer` frame.
//   accept     {"type":"accept","ticketId"} on the agent's socket: one D1 write (ticket assigned),
//              then `ticket.assigned` with the customer's message.
//   reply      {"type":"reply","ticketId","text","clientMsgId"}: one D1 write (the reply, 'queued',
//              unique by clientMsgId, so never sent twice), one sendMessage to the Bot API, one D1
//              write for its status ('sent'), then a `delivery` frame.
//
// Agents connect at GET /floor/ws?agent=<id> (no token check: connecting is not per-message work).
// GET /floor/meter gives the D1 round trips and rows read and written so far, as the hub's meter does.
import { DurableObject } from "cloudflare:workers";

const meter = { available: true, roundTrips: 0, statements: 0, rowsRead: 0, rowsWritten: 0 };
/** One D1 round trip: a statement's run/all, or a batch; its rows counted from D1's meta. */
async function d1(call) {
  const answer = await call;
  const results = Array.isArray(answer) ? answer : [answer];
  meter.roundTrips++;
  meter.statements += results.length;
  for (const r of results) {
    meter.rowsRead += r.meta?.rows_read ?? 0;
    meter.rowsWritten += r.meta?.rows_written ?? 0;
  }
  return answer;
}

const encoder = new TextEncoder();
function sameSecret(got, expected) {
  const a = encoder.encode(got ?? "");
  const b = encoder.encode(expected);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/floor/webhook":
        return webhook(request, env);
      case "/floor/ws":
        return env.FLOOR_QUEUE.getByName("floor").fetch(request);
      case "/floor/healthz":
        return Response.json({ ok: true });
      case "/floor/meter":
        return Response.json(meter);
      default:
        return new Response("not found", { status: 404 });
    }
  },
};

async function webhook(request, env) {
  if (request.method !== "POST") return new Response(null, { status: 405 });
  if (!sameSecret(request.headers.get("x-telegram-bot-api-secret-token"), env.FLOOR_SECRET_TOKEN)) return new Response(null, { status: 401 });
  const update = await request.json();
  const m = update?.message;
  if (typeof m?.text !== "string" || m.chat?.id === undefined) return Response.json({ ok: true }); // not a text message: nothing to store
  const chatId = String(m.chat.id);
  const name = [m.from?.first_name, m.from?.last_name].filter(Boolean).join(" ");
  const [, , stored] = await d1(
    env.DB.batch([
      env.DB.prepare("INSERT INTO contacts (chat_id, name, username) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING").bind(chatId, name, m.from?.username ?? null),
      env.DB.prepare("INSERT INTO tickets (contact_id, status) SELECT id, 'open' FROM contacts WHERE chat_id = ?1 ON CONFLICT DO NOTHING").bind(chatId),
      env.DB.prepare(
        `INSERT INTO messages (ticket_id, direction, provider_message_id, body, status)
         SELECT t.id, 'in', ?2, ?3, 'received' FROM tickets t JOIN contacts c ON c.id = t.contact_id WHERE c.chat_id = ?1
         ON CONFLICT DO NOTHING RETURNING id, ticket_id AS ticketId`,
      ).bind(chatId, `${chatId}:${m.message_id}`, m.text),
    ]),
  );
  const row = stored.results[0];
  // A retry stored nothing: its offer went out the first time.
  if (row) await env.FLOOR_QUEUE.getByName("floor").offer({ ticketId: row.ticketId, messageId: row.id, chatId, username: m.from?.username ?? null, text: m.text });
  return Response.json({ ok: true });
}

/** The floor's one queue: its roster in memory (rebuilt on waking), one row per offered ticket. */
export class FloorQueue extends DurableObject {
  #sockets;
  #next = 0;

  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS tickets (ticket_id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, state TEXT NOT NULL, chat_id TEXT NOT NULL, message_id INTEGER NOT NULL, username TEXT, text TEXT NOT NULL)",
    );
    this.#sockets = ctx.getWebSockets();
  }

  async fetch(request) {
    if (request.headers.get("upgrade") !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const agentId = new URL(request.url).searchParams.get("agent") ?? "agent";
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, [agentId]);
    this.#sockets.push(server);
    server.send(JSON.stringify({ type: "hello", agent: { id: agentId } }));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** One row and one frame: the ticket offered to the next connected agent, round robin. */
  offer({ ticketId, messageId, chatId, username, text }) {
    const ws = this.#nextSocket();
    if (!ws) return;
    const agentId = this.ctx.getTags(ws)[0];
    this.ctx.storage.sql.exec(
      "INSERT INTO tickets (ticket_id, agent_id, state, chat_id, message_id, username, text) VALUES (?, ?, 'offered', ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      ticketId,
      agentId,
      chatId,
      messageId,
      username,
      text,
    );
    ws.send(JSON.stringify({ type: "offer", ticket: { id: ticketId, contact: { username } }, preview: text }));
  }

  async webSocketMessage(ws, data) {
    let frame;
    try {
      frame = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
    } catch {
      return ws.send('{"type":"error","code":"bad_frame"}');
    }
    try {
      if (frame.type === "accept") await this.#accept(ws, frame);
      else if (frame.type === "reply") await this.#reply(ws, frame);
      else if (frame.type === "ping") ws.send('{"type":"pong"}');
    } catch (err) {
      console.error("floor: frame failed", err);
      ws.send(JSON.stringify({ type: "error", code: "internal", message: String(err) }));
    }
  }

  async #accept(ws, { ticketId }) {
    const agentId = this.ctx.getTags(ws)[0];
    const t = this.ctx.storage.sql.exec("SELECT * FROM tickets WHERE ticket_id = ?", ticketId).toArray()[0];
    if (!t || t.agent_id !== agentId || t.state !== "offered") return ws.send(JSON.stringify({ type: "error", code: "not_offered", ticketId }));
    await d1(this.env.DB.prepare("UPDATE tickets SET status = 'assigned', agent_id = ?2 WHERE id = ?1").bind(ticketId, agentId).run());
    this.ctx.storage.sql.exec("UPDATE tickets SET state = 'assigned' WHERE ticket_id = ?", ticketId);
    ws.send(
      JSON.stringify({
        type: "ticket.assigned",
        ticket: { id: ticketId, contact: { username: t.username } },
        messages: [{ id: t.message_id, ticketId, direction: "in", body: t.text }],
      }),
    );
  }

  async #reply(ws, { ticketId, text, clientMsgId }) {
    const agentId = this.ctx.getTags(ws)[0];
    const t = this.ctx.storage.sql.exec("SELECT chat_id, agent_id, state FROM tickets WHERE ticket_id = ?", ticketId).toArray()[0];
    if (!t || t.agent_id !== agentId || t.state !== "assigned") return ws.send(JSON.stringify({ type: "error", code: "not_yours", ticketId }));
    // Stored before it is sent; a repeated clientMsgId stores and sends nothing.
    const stored = await d1(
      this.env.DB.prepare(
        "INSERT INTO messages (ticket_id, direction, client_msg_id, body, status) VALUES (?1, 'out', ?2, ?3, 'queued') ON CONFLICT DO NOTHING RETURNING id",
      )
        .bind(ticketId, clientMsgId, text)
        .all(),
    );
    const id = stored.results[0]?.id;
    if (id === undefined) return;
    const res = await fetch(`${this.env.BOT_API_BASE_URL}/bot${this.env.BOT_TOKEN}/sendMessage`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ chat_id: Number(t.chat_id), text }),
    });
    const answer = await res.json().catch(() => null);
    const sent = res.ok && answer?.ok === true;
    await d1(
      this.env.DB.prepare("UPDATE messages SET status = ?2, provider_message_id = ?3 WHERE id = ?1")
        .bind(id, sent ? "sent" : "failed", sent ? `${t.chat_id}:${answer.result.message_id}` : null)
        .run(),
    );
    ws.send(JSON.stringify({ type: "delivery", ticketId, messageId: id, status: sent ? "sent" : "failed", reason: sent ? null : `HTTP ${res.status}` }));
  }

  #nextSocket() {
    for (let tries = 0; tries < this.#sockets.length; tries++) {
      const ws = this.#sockets[this.#next++ % this.#sockets.length];
      if (ws.readyState === WebSocket.OPEN) return ws;
    }
    return null;
  }

  webSocketClose(ws) {
    this.#sockets = this.#sockets.filter((s) => s !== ws);
  }

  webSocketError(ws) {
    this.#sockets = this.#sockets.filter((s) => s !== ws);
  }
}
