import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { defaultRoutingConfig } from "../../src/domain/routing-config";
import type { AgentIdentity } from "../../src/queue/queue-object";
import type { MessageView, TicketView } from "../../src/kinds/views";
import { createQueue, queueStub, settle } from "../helpers/hub";

// The queue object's work per customer message must not grow with its roster or with the tickets
// it holds: its SQL statements and the rows they read are counted through its real entry points
// (sockets opened with the object's own upgrade, messages through `routeInbound`).

/** A new ticket: its row, the message seen, the offer on the ticket's row, the agent's last offer, the offer's timer, the frame. */
const MAX_STATEMENTS = 6;
/** Offers stay open through the whole test: no timer fires while it counts. */
const config = { ...defaultRoutingConfig, agentRingTimeS: 600 };

type Count = { statements: number; cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[]; rosterPasses: number; ticketPasses: number };

/** The object's store as its instance holds it: the roster and the tickets it keeps in memory. */
type StoreInside = { agents(): unknown[]; tickets: { rows: Map<number, unknown> } };

/**
 * Counts every `sql.exec` of the queue's object while `work` runs and what it set going settles
 * (the agent's offer, reports to ledgers), and the rows their cursors read. The counter goes on the
 * object's storage right before, so an instance that woke since is counted all the same.
 */
async function measured(queueId: string, work: () => Promise<unknown>) {
  const count: Count = { statements: 0, cursors: [], rosterPasses: 0, ticketPasses: 0 };
  let on = true;
  await runInDurableObject(queueStub(queueId), (instance, state) => {
    // Passes over the whole roster, and over every ticket the object holds, in memory.
    const store = (instance as unknown as { q: { store: StoreInside } }).q.store;
    const agents = store.agents.bind(store);
    store.agents = () => (on && count.rosterPasses++, agents());
    const rows = store.tickets.rows;
    rows.values = () => (on && count.ticketPasses++, Map.prototype.values.call(rows));
    const sql = state.storage.sql;
    const exec = sql.exec.bind(sql);
    (sql as { exec: typeof sql.exec }).exec = ((query: string, ...bindings: SqlStorageValue[]) => {
      const cursor = exec(query, ...bindings);
      if (on) {
        count.statements++;
        count.cursors.push(cursor);
      }
      return cursor;
    }) as typeof sql.exec;
  });
  await work();
  for (let i = 0; i < 5; i++) await settle();
  on = false;
  return { statements: count.statements, rowsRead: count.cursors.reduce((n, c) => n + c.rowsRead, 0), rosterPasses: count.rosterPasses, ticketPasses: count.ticketPasses };
}

let seq = 0;
const base = 40_000_000 + Math.floor(Math.random() * 1_000_000) * 10;

function ticket(id: number): TicketView {
  return { id, accountId: "acc-constant", accountName: "Constant", provider: "telegram", contact: { id, name: `Customer ${id}`, username: null }, subject: null, createdAt: 1_763_700_000_000 };
}

function message(ticketId: number): MessageView {
  return {
    id: base + ++seq,
    ticketId,
    direction: "in",
    body: `Merhaba ${seq}`,
    attachments: [],
    status: "received",
    statusReason: null,
    authorId: null,
    createdAt: Date.now(),
    editedAt: null,
    deletedAt: null,
    reaction: null,
  };
}

const sockets: WebSocket[] = [];

/** `n` agents, members of this queue only, each with an open socket to the object. */
async function agentsOn(queueId: string, n: number, capacity: number) {
  const ids = Array.from({ length: n }, (_, i) => `${queueId}-agent-${String(i).padStart(4, "0")}`);
  for (let i = 0; i < ids.length; i += 40) {
    const chunk = ids.slice(i, i + 40);
    await env.DB.batch(
      chunk.flatMap((id) => [
        env.DB.prepare("INSERT INTO users (id, email, display_name, role, capacity) VALUES (?1, ?2, ?3, 'agent', ?4)").bind(id, `${id}@example.test`, id, capacity),
        env.DB.prepare("INSERT INTO queue_members (queue_id, user_id) VALUES (?1, ?2)").bind(queueId, id),
      ]),
    );
  }
  const stub = queueStub(queueId);
  for (const id of ids) {
    const identity: AgentIdentity = { id, name: id, capacity };
    const res = await stub.fetch("https://queue.internal/agent/ws", {
      headers: { Upgrade: "websocket", "X-Agent-Identity": encodeURIComponent(JSON.stringify(identity)), "X-Queue-Config": encodeURIComponent(JSON.stringify(config)) },
    });
    const ws = res.webSocket!;
    ws.accept();
    sockets.push(ws);
  }
  return ids;
}

/** Agents the object has heard from their ledger to have no slot in another queue (from its SQLite). */
const agentsKnownAlone = (queueId: string) =>
  runInDurableObject(queueStub(queueId), (_o, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM agents WHERE elsewhere = 0").one().n);

/** A new customer's message: the ticket waits, and goes to an agent. */
const newTicket = (queueId: string, id: number) => queueStub(queueId).routeInbound({ ticket: ticket(id), assigneeId: null, message: message(id), config });

/** `n` tickets held by the agents, round the roster. */
async function hold(queueId: string, agents: string[], n: number, firstId: number) {
  const stub = queueStub(queueId);
  for (let i = 0; i < n; i++) {
    const id = firstId + i;
    await stub.routeInbound({ ticket: ticket(id), assigneeId: agents[i % agents.length]!, message: message(id), config });
  }
}

async function scenario(agentCount: number, held: number) {
  const queueId = await createQueue();
  const agents = await agentsOn(queueId, agentCount, 10_000);
  const first = base + 5_000_000 + agentCount * 10_000;
  await hold(queueId, agents, held, first);
  // Warm: every agent is offered a ticket once, so that their ledger has said they have no slot in
  // another queue (from then on the object counts their slots itself: capacity.ts).
  for (let i = 0; i < agentCount; i++) await newTicket(queueId, first + held + 1 + i);
  // The ledgers' answers to the warming offers are in: every agent is known to have no slot elsewhere.
  for (let waited = 0; waited < 30_000 && (await agentsKnownAlone(queueId)) < agentCount; waited += 20) await settle();
  expect(await agentsKnownAlone(queueId)).toBe(agentCount);
  const id = first + held + agentCount + 1;
  const fresh = await measured(queueId, () => newTicket(queueId, id));
  const followUp = await measured(queueId, () => queueStub(queueId).routeInbound({ ticket: ticket(id), assigneeId: null, message: message(id), config }));
  const snap = await queueStub(queueId).snapshot();
  expect(snap.tickets.find((t) => t.id === id)?.state).toBe("offered");
  return { fresh, followUp };
}

describe("work per customer message", () => {
  afterAll(async () => {
    for (const ws of sockets.splice(0)) ws.close(1000);
    await settle();
  }, 120_000);

  it("stays under the statement budget and reads the same rows with 8 or 1,000 agents, and 0 or 2,000 tickets held", async () => {
    const small = await scenario(8, 0);
    const loaded = await scenario(8, 2000);
    const crowded = await scenario(1000, 0);
    console.log("work per message", JSON.stringify({ small, loaded, crowded }));
    for (const run of [small, loaded, crowded]) {
      expect(run.fresh.statements).toBeGreaterThan(0); // counted at all
      expect(run.fresh.statements).toBeLessThanOrEqual(MAX_STATEMENTS);
      expect(run.followUp.statements).toBeLessThanOrEqual(MAX_STATEMENTS);
      // In memory: the roster is asked for twice, to see whether anyone is there (which stops at the
      // first available agent) and to choose the agent; not again after the offer, nor for a claim
      // no other queue would hear. No ticket held is looked at.
      expect(run.fresh.rosterPasses).toBe(2);
      expect(run.fresh.ticketPasses).toBe(0);
      expect(run.followUp.ticketPasses).toBe(0);
    }
    // Rows read: a few for the message itself, none per agent or per ticket held.
    expect(loaded.fresh.rowsRead).toBeLessThanOrEqual(small.fresh.rowsRead + 2);
    expect(crowded.fresh.rowsRead).toBeLessThanOrEqual(small.fresh.rowsRead + 2);
    expect(loaded.followUp.rowsRead).toBeLessThanOrEqual(small.followUp.rowsRead + 2);
    expect(crowded.followUp.rowsRead).toBeLessThanOrEqual(small.followUp.rowsRead + 2);
  }, 600_000);
});
