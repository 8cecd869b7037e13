// K agent desks over real WebSockets: each accepts every offer it gets and answers the customer's
// message once the ticket is assigned, recording when the offer came, when the reply left and when
// the reply's `delivery` frame said it was sent. With `acceptOffers: false` they only take offers
// (the inbound-only phases of `--floor`). The same pool talks to the hub and to the floor Worker.
import { performance } from "node:perf_hooks";
import { replyMarker } from "./bot-api.mjs";

const PING_EVERY_MS = 20_000;
const CONNECT_TIMEOUT_MS = 30_000;
/** Sockets being opened at once: a thousand agents connect in waves, not all in one burst. */
const CONNECT_CONCURRENCY = 25;

/** The update index a ticket belongs to: each update comes from its own user, username `u<index>`. */
export const usernameOf = (index) => `u${index}`;
const indexOf = (username) => {
  const m = /^u(\d+)$/.exec(username ?? "");
  return m ? Number(m[1]) : null;
};

/** Telegram mode: the update a ticket belongs to, by its contact's username. */
const byUsername = (ticket) => indexOf(ticket?.contact?.username);

function hubSocketUrl(baseUrl, queueId, agent) {
  const url = new URL("/agent/ws", baseUrl.href.replace(/^http/, "ws"));
  url.searchParams.set("queue", queueId);
  url.searchParams.set("access_token", agent.token);
  return url;
}

export class AgentPool {
  /** update index → ms the offer frame arrived */
  offers = new Map();
  /** update index → ms the reply frame was sent */
  replies = new Map();
  /** update index → the reply's clientMsgId */
  replyIds = new Map();
  /** update index → ms the `delivery` frame with status 'sent' arrived: the end of that customer's cycle */
  deliveries = new Map();
  counters = { offers: 0, duplicateOffers: 0, strayOffers: 0, assigned: 0, replyQueued: 0, withdrawn: 0, errors: 0, deliveredSent: 0, deliveredFailed: 0, closed: 0 };
  errorSamples = [];
  sockets = [];
  #tickets = new Map(); // ticket id → update index
  #pingTimer = null;

  /**
   * `identify(ticket, texts)` gives the update index a ticket belongs to, or null: `texts` are the
   * customer's words the frame carries (the offer's preview, the assigned ticket's inbound
   * messages). Default: the contact's username `u<index>`.
   */
  constructor({ baseUrl, queueId, agents, replyText, identify = byUsername, socketUrl, acceptOffers = true }) {
    this.baseUrl = baseUrl;
    this.queueId = queueId;
    this.agents = agents;
    this.replyText = replyText;
    this.identify = identify;
    this.socketUrl = socketUrl ?? ((agent) => hubSocketUrl(baseUrl, queueId, agent));
    this.acceptOffers = acceptOffers;
  }

  async connect() {
    let next = 0;
    const opener = async () => {
      while (next < this.agents.length) await this.#open(this.agents[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, this.agents.length) }, opener));
    this.#pingTimer = setInterval(() => {
      for (const ws of this.sockets) if (ws.readyState === WebSocket.OPEN) ws.send('{"type":"ping"}');
    }, PING_EVERY_MS);
    this.#pingTimer.unref();
  }

  #open(agent) {
    const ws = new WebSocket(this.socketUrl(agent));
    this.sockets.push(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${agent.id}: no hello within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      ws.addEventListener("error", () => {
        clearTimeout(timer);
        reject(new Error(`${agent.id}: the agent socket failed to connect`));
      });
      ws.addEventListener("close", (e) => {
        clearTimeout(timer);
        if (!this.closing) this.#error(agent, { type: "socket.closed", code: e.code, reason: e.reason });
        reject(new Error(`${agent.id}: socket closed (${e.code} ${e.reason})`));
      });
      ws.addEventListener("message", (e) => {
        const at = performance.now();
        let frame;
        try {
          frame = JSON.parse(typeof e.data === "string" ? e.data : Buffer.from(e.data).toString("utf8"));
        } catch {
          return this.#error(agent, { type: "unparsable frame" });
        }
        if (frame.type === "hello") {
          clearTimeout(timer);
          resolve();
          return;
        }
        this.#onFrame(ws, agent, frame, at);
      });
    });
  }

  #onFrame(ws, agent, frame, at) {
    switch (frame.type) {
      case "offer": {
        this.counters.offers++;
        const index = this.identify(frame.ticket, [frame.preview ?? ""]);
        if (index === null) this.counters.strayOffers++;
        else if (this.offers.has(index)) this.counters.duplicateOffers++;
        else this.offers.set(index, at);
        if (index !== null) this.#tickets.set(frame.ticket.id, index);
        if (this.acceptOffers) ws.send(JSON.stringify({ type: "accept", ticketId: frame.ticket.id }));
        return;
      }
      case "ticket.assigned": {
        this.counters.assigned++;
        const index = this.identify(frame.ticket, (frame.messages ?? []).filter((m) => m.direction === "in").map((m) => m.body));
        if (index !== null) this.#tickets.set(frame.ticket.id, index);
        for (const message of frame.messages ?? []) if (message.direction === "in") this.#reply(ws, frame.ticket.id, message);
        return;
      }
      case "message":
        if (frame.message?.direction === "in") this.#reply(ws, frame.message.ticketId, frame.message);
        return;
      case "reply.queued":
        this.counters.replyQueued++;
        return;
      case "delivery":
        if (frame.status === "sent") {
          this.counters.deliveredSent++;
          const index = this.#tickets.get(frame.ticketId);
          if (index !== undefined && !this.deliveries.has(index)) this.deliveries.set(index, at);
        }
        else if (frame.status === "failed") {
          this.counters.deliveredFailed++;
          this.#error(agent, frame);
        }
        return;
      case "offer.withdrawn":
        this.counters.withdrawn++;
        return;
      case "ticket.closed":
        this.counters.closed++;
        return;
      case "error":
        this.#error(agent, frame);
        return;
      default:
        return; // pong, presence, message.updated
    }
  }

  #reply(ws, ticketId, message) {
    const index = this.#tickets.get(ticketId);
    if (index === undefined) return;
    const clientMsgId = `r-${message.id}`;
    if (this.replies.has(index)) return;
    this.replies.set(index, performance.now());
    this.replyIds.set(index, clientMsgId);
    ws.send(JSON.stringify({ type: "reply", ticketId, text: `${this.replyText} ${replyMarker(index)}`, clientMsgId }));
  }

  #error(agent, frame) {
    this.counters.errors++;
    if (this.errorSamples.length < 10) this.errorSamples.push({ agent: agent.id, ...frame });
  }

  close() {
    this.closing = true;
    clearInterval(this.#pingTimer);
    for (const ws of this.sockets) {
      try {
        ws.close(1000, "bench done");
      } catch {
        // already closed
      }
    }
  }
}
