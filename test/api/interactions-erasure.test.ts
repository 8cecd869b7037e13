import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { eraseTickets } from "../../src/db/erasure";
import type { QueueObject } from "../../src/queue/queue-object";
import { meteredD1 } from "../helpers/metered-d1";
import { call, seedAccount, seedQueue, seedTicket, seedUser } from "../helpers/api";
import { createUser, queueStub, row } from "../helpers/hub";
import { agentIn, cleanUp, connect, customerWrites, desk, heldTicket, newCustomer, setConversation, stubBotApi } from "../queue/desk";

afterEach(cleanUp);

/** A word found nowhere else: lowercase ASCII letters, as the full-text index keeps its tokens. */
const marker = () => `zq${crypto.randomUUID().replace(/[^a-f]/g, "").slice(0, 10)}x`;

/** Every table of the database (the full-text index's own tables included) whose rows hold `text` anywhere, as text or bytes. */
async function tablesHolding(text: string): Promise<string[]> {
  const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'").all<{ name: string }>();
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["messages", "message_revisions", "message_translations", "audit_log", "tickets"]));
  const decoder = new TextDecoder();
  const found: string[] = [];
  const needle = text.toLowerCase();
  for (const { name } of tables) {
    let rows: Record<string, unknown>[];
    try {
      rows = (await env.DB.prepare(`SELECT * FROM "${name}"`).all<Record<string, unknown>>()).results;
    } catch (err) {
      // A contentless full-text table has no columns to read; its data lives in its shadow tables, scanned on their own.
      if (/fts/.test(name)) continue;
      throw err;
    }
    const holds = rows.some((r) =>
      Object.values(r).some((v) => {
        // D1 hands a blob (the full-text index's pages) back as an array of bytes.
        if (Array.isArray(v)) return decoder.decode(new Uint8Array(v as number[])).toLowerCase().includes(needle);
        if (v instanceof ArrayBuffer) return decoder.decode(v).toLowerCase().includes(needle);
        return typeof v === "string" && v.toLowerCase().includes(needle);
      }),
    );
    if (holds) found.push(name);
  }
  return found;
}

/** The queue object's replay log rows that hold `text`. */
async function framesHolding(queueId: string, text: string): Promise<string[]> {
  return runInDurableObject(queueStub(queueId), (_o: QueueObject, state) =>
    state.storage.sql
      .exec<{ json: string }>("SELECT json FROM frames")
      .toArray()
      .map((r) => r.json)
      .filter((j) => j.toLowerCase().includes(text.toLowerCase())),
  );
}

describe("erasing tickets", () => {
  it("leaves no trace of what was said: every table searched, the replay log rewritten, the holder told, the audit counting only", async () => {
    stubBotApi();
    const word = marker();
    const { queueId, key, account } = await desk();
    const a = await agentIn(queueId, "Ayşe Yılmaz");
    const admin = await createUser({ role: "admin" });
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse, `Gizli sipariş ${word} şifre 📦`);

    ayse.send({ type: "reply", ticketId, text: `Tamam ${word}, bakıyorum`, clientMsgId: "r-1" });
    await ayse.next("reply.queued");
    await ayse.next("delivery", 15_000);
    ayse.send({ type: "note", ticketId, text: `not: ${word}`, clientMsgId: "n-1" });
    await ayse.next("note.added");
    const inbound = await row<{ id: number; provider_message_id: string }>("SELECT id, provider_message_id FROM messages WHERE ticket_id = ?1 AND direction = 'in'", ticketId);
    await env.DB.batch([
      env.DB.prepare("INSERT INTO message_revisions (message_id, body, replaced_at) VALUES (?1, ?2, 1)").bind(inbound!.id, `eski ${word}`),
      env.DB.prepare("INSERT INTO message_translations (message_id, language, text) VALUES (?1, 'en', ?2)").bind(inbound!.id, `secret order ${word}`),
      env.DB.prepare("INSERT INTO pending_statuses (account_id, provider_message_id, status, reason, at) VALUES (?1, ?2, 'read', ?3, 1)").bind(account.id, inbound!.provider_message_id, word),
    ]);
    const patched = await call(`/api/v1/tickets/${ticketId}`, { method: "PATCH", token: admin.token, json: { subject: `Konu ${word}`, tags: [word] } });
    expect(patched.status).toBe(200);
    const holding = await tablesHolding(word);
    expect(holding).toEqual(expect.arrayContaining(["audit_log", "message_revisions", "message_translations", "messages", "pending_statuses", "tickets"]));
    // The full-text index keeps the word in its own tables: the scan reads them too.
    expect(holding.filter((t) => t.startsWith("messages_fts"))).not.toEqual([]);
    expect(await framesHolding(queueId, word)).not.toEqual([]);
    const before = (await call(`/api/v1/tickets?q=${word}`, { token: admin.token })).data;
    expect(before.items.map((t: { id: number }) => t.id)).toEqual([ticketId]);

    const res = await call(`/api/v1/tickets/${ticketId}`, { method: "DELETE", token: admin.token });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ deleted: [ticketId], notFound: [] });

    // The agent holding it is told, and its desk is free again.
    expect(await ayse.next("ticket.deleted")).toMatchObject({ ticketId });
    const state = await queueStub(queueId).snapshot();
    expect(state.tickets).toEqual([]);
    expect(state.agents).toEqual([expect.objectContaining({ id: a.id, load: 0 })]);

    // Nothing in D1 holds the text: not a message, a revision, a translation, a delivery report, the ticket's subject, the audit, the search index.
    expect(await tablesHolding(word)).toEqual([]);
    // The replay log has the same numbers, each erased frame now `ticket.deleted`; a reconnect replays no text.
    expect(await framesHolding(queueId, word)).toEqual([]);
    const again = await connect(a.token, queueId, 0);
    await again.next("ticket.deleted");
    expect(JSON.stringify(again.frames)).not.toContain(word);

    // No route finds it.
    expect((await call(`/api/v1/tickets/${ticketId}`, { token: admin.token })).status).toBe(404);
    expect((await call(`/api/v1/tickets/${ticketId}/transcript.zip`, { token: admin.token })).status).toBe(404);
    expect((await call(`/api/v1/tickets?q=${word}`, { token: admin.token })).data.items).toEqual([]);
    const search = await call("/api/v1/tickets/search", { method: "POST", token: admin.token, json: { match: "all", conditions: [{ field: "messageText", op: "contains", value: word }] } });
    expect(search.data.items).toEqual([]);
    const exported = await call("/api/v1/tickets/export.csv", { token: admin.token });
    expect(exported.text).not.toContain(word);
    expect(exported.text).not.toContain(`\r\n${ticketId},`);

    // The audit says who, when and how many: never what.
    const audit = await call(`/api/v1/audit?entityType=ticket&entityId=${ticketId}`, { token: admin.token });
    expect(audit.text).not.toContain(word);
    const erased = audit.data.items.find((e: { action: string }) => e.action === "ticket.erase");
    expect(erased).toMatchObject({ actorId: admin.id, entityType: "ticket", entityId: String(ticketId), details: { messages: 3, via: "ticket" } });
    expect(typeof erased.at).toBe("number");

    // The customer writing again starts afresh.
    expect(await customerWrites(key, newCustomer(), "Yeni soru")).toBe(200);
  });

  it("a ticket offered and one waiting: the offer is withdrawn by ticket.deleted, the queue forgets both and offers what comes next", async () => {
    stubBotApi();
    const { queueId, key } = await desk({ routing: { strategy: "ring-all" } });
    const a = await agentIn(queueId, "Ayşe Yılmaz", 1);
    const admin = await createUser({ role: "admin" });
    const ayse = await connect(a.token, queueId);
    await customerWrites(key, newCustomer(), "İlk müşteri");
    const offer = await ayse.next("offer");
    await customerWrites(key, newCustomer(), "İkinci müşteri, bekliyor");
    await expect.poll(async () => (await queueStub(queueId).snapshot()).tickets.length).toBe(2);
    const waiting = (await queueStub(queueId).snapshot()).tickets.map((t: { id: number }) => t.id).find((id: number) => id !== offer.ticket.id)!;

    const res = await call("/api/v1/tickets/delete", { method: "POST", token: admin.token, json: { ids: [offer.ticket.id, waiting] } });
    expect(res.data.deleted).toEqual([offer.ticket.id, waiting].sort((x, y) => x - y));
    expect(await ayse.next("ticket.deleted")).toMatchObject({ ticketId: offer.ticket.id });
    expect(ayse.all("ticket.deleted").map((f) => f.ticketId)).toEqual([offer.ticket.id]);
    expect((await queueStub(queueId).snapshot()).tickets).toEqual([]);

    await customerWrites(key, newCustomer(), "Üçüncü müşteri");
    const next = await ayse.next("offer");
    expect(next.ticket.id).not.toBe(offer.ticket.id);
    expect(next.ticket.id).not.toBe(waiting);
  });

  it("in bulk: all the named tickets go in one transaction, unknown ids are reported", async () => {
    const queueId = await seedQueue();
    const account = await seedAccount(queueId);
    const admin = await seedUser("admin");
    const word = marker();
    const one = await seedTicket(account.id, queueId, [`bir ${word}`]);
    const two = await seedTicket(account.id, queueId, [`iki ${word}`, "üç"]);
    const kept = await seedTicket(account.id, queueId, ["kalsın"]);
    const res = await call("/api/v1/tickets/delete", { method: "POST", token: admin.token, json: { ids: [two.ticketId, one.ticketId, 99_999_999, two.ticketId] } });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ deleted: [one.ticketId, two.ticketId], notFound: [99_999_999] });
    expect(await tablesHolding(word)).toEqual([]);
    expect((await call(`/api/v1/tickets/${kept.ticketId}`, { token: admin.token })).status).toBe(200);
    const { results } = await env.DB.prepare("SELECT entity_id, details FROM audit_log WHERE action = 'ticket.erase' AND entity_id IN (?1, ?2) ORDER BY entity_id").bind(String(one.ticketId), String(two.ticketId)).all<{ entity_id: string; details: string }>();
    expect(results.map((r) => JSON.parse(r.details))).toEqual([
      { messages: 1, via: "bulk" },
      { messages: 2, via: "bulk" },
    ]);

    for (const body of [{ ids: [] }, { ids: Array.from({ length: 101 }, (_, i) => i + 1) }, { ids: ["1"] }, {}, { ids: [1], extra: true }]) {
      const bad = await call("/api/v1/tickets/delete", { method: "POST", token: admin.token, json: body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.data.error.code).toBe("validation_failed");
    }
  });
});

describe("what an erasure reads", () => {
  it("follows the tickets erased, not the history: a ticket of 50 messages among 60,000", async () => {
    const queueId = await seedQueue();
    const account = await seedAccount(queueId);
    const admin = await seedUser("admin");
    const contact = await env.DB.prepare("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, 'many', 'many', 'Çok') RETURNING id").bind(account.id).first<{ id: number }>();
    /** A ticket with two conversations and `n` messages in the first, each with words of its own. */
    const ticketOf = async (n: number) => {
      const t = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id) VALUES (?1, ?2, ?3) RETURNING id").bind(account.id, contact!.id, queueId).first<{ id: number }>();
      const c = await env.DB.prepare("INSERT INTO conversations (ticket_id) VALUES (?1) RETURNING id").bind(t!.id).first<{ id: number }>();
      await env.DB.prepare("INSERT INTO conversations (ticket_id, ended_at) VALUES (?1, 1)").bind(t!.id).run();
      await env.DB.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?4)
         INSERT INTO messages (account_id, ticket_id, conversation_id, direction, body, status)
         SELECT ?1, ?2, ?3, CASE WHEN i % 2 THEN 'in' ELSE 'out' END, 'sipariş ' || i || ' kargo ' || hex(randomblob(4)), 'received' FROM n`,
      )
        .bind(account.id, t!.id, c!.id, n)
        .run();
      return t!.id;
    };
    for (let i = 0; i < 12; i++) await ticketOf(5000);
    const erased = await ticketOf(50);
    const meter = meteredD1(env.DB);
    expect(await eraseTickets(meter.db, [erased], admin.id)).toEqual([erased]);
    // About 17 rows a message (the full-text index's pages among them) and a few for the ticket; a
    // conversation's messages looked up without an index would read all 60,000.
    expect(meter.rowsRead()).toBeLessThan(30 * 50);
  });
});

describe("erasing a contact", () => {
  it("takes every ticket and message of theirs and the contact itself; the audit counts them", async () => {
    const queueId = await seedQueue();
    const otherQueueId = await seedQueue();
    const account = await seedAccount(queueId);
    const admin = await seedUser("admin");
    const word = marker();
    const first = await seedTicket(account.id, queueId, [`ilk ${word}`, "ikinci"]);
    await env.DB.prepare("UPDATE tickets SET current = NULL, status = 'closed' WHERE id = ?1").bind(first.ticketId).run();
    await env.DB.prepare("UPDATE contacts SET display_name = ?2 WHERE id = ?1").bind(first.contactId, `Ad ${word}`).run();
    const second = await env.DB.prepare("INSERT INTO tickets (account_id, contact_id, queue_id, current) VALUES (?1, ?2, ?3, 1) RETURNING id")
      .bind(account.id, first.contactId, otherQueueId)
      .first<{ id: number }>();
    await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, status) VALUES (?1, ?2, 'in', ?3, 'received')").bind(account.id, second!.id, `sonra ${word} 🙂`).run();
    const bystander = await seedTicket(account.id, queueId, ["başkası"]);

    const res = await call(`/api/v1/contacts/${first.contactId}`, { method: "DELETE", token: admin.token });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ contactId: first.contactId, deletedTickets: [first.ticketId, second!.id] });
    expect(await tablesHolding(word)).toEqual([]);
    expect(await row("SELECT id FROM contacts WHERE id = ?1", first.contactId)).toBeNull();
    expect(await row("SELECT id FROM tickets WHERE contact_id = ?1", first.contactId)).toBeNull();
    expect((await call(`/api/v1/tickets/${bystander.ticketId}`, { token: admin.token })).status).toBe(200);
    const entry = await row<{ actor_id: string; details: string }>("SELECT actor_id, details FROM audit_log WHERE action = 'contact.erase' AND entity_id = ?1", String(first.contactId));
    expect(entry!.actor_id).toBe(admin.id);
    expect(JSON.parse(entry!.details)).toEqual({ tickets: 2, messages: 3 });

    expect((await call(`/api/v1/contacts/${first.contactId}`, { method: "DELETE", token: admin.token })).status).toBe(404);
  });
});

describe("who may erase", () => {
  it("admins always; supervisors only where the account's supervisorsMayDelete is on; agents never", async () => {
    const queueId = await seedQueue();
    const strict = await seedAccount(queueId);
    const lenient = await seedAccount(queueId);
    await setConversation(lenient.id, { supervisorsMayDelete: true });
    const [admin, supervisor, agent] = await Promise.all([seedUser("admin"), seedUser("supervisor"), seedUser("agent", { queues: [queueId] })]);

    const t = () => seedTicket(strict.id, queueId, ["x"]);
    const l = () => seedTicket(lenient.id, queueId, ["y"]);

    // Agents: refused by role on every route, before anything is looked up.
    const mine = await t();
    for (const [path, init] of [
      [`/api/v1/tickets/${mine.ticketId}`, { method: "DELETE" }],
      ["/api/v1/tickets/delete", { method: "POST", json: { ids: [mine.ticketId] } }],
      [`/api/v1/contacts/${mine.contactId}`, { method: "DELETE" }],
    ] as const) {
      const res = await call(path, { ...init, token: agent.token });
      expect(res.status, path).toBe(403);
      expect(res.data.error.code).toBe("forbidden");
    }
    expect(await row("SELECT id FROM tickets WHERE id = ?1", mine.ticketId)).not.toBeNull();

    // Supervisors: refused where the account does not allow it, nothing erased.
    const refused = await call(`/api/v1/tickets/${mine.ticketId}`, { method: "DELETE", token: supervisor.token });
    expect(refused.status).toBe(403);
    expect(refused.data.error.code).toBe("erasure_not_allowed");
    const allowedTicket = await l();
    const mixed = await call("/api/v1/tickets/delete", { method: "POST", token: supervisor.token, json: { ids: [allowedTicket.ticketId, mine.ticketId] } });
    expect(mixed.status).toBe(403);
    expect(mixed.data.error.details).toEqual([{ path: `ticket ${mine.ticketId}`, message: expect.stringContaining(strict.id) }]);
    expect(await row("SELECT id FROM tickets WHERE id = ?1", allowedTicket.ticketId)).not.toBeNull();
    expect((await call(`/api/v1/contacts/${mine.contactId}`, { method: "DELETE", token: supervisor.token })).status).toBe(403);

    // …and allowed where it does.
    expect((await call(`/api/v1/tickets/${allowedTicket.ticketId}`, { method: "DELETE", token: supervisor.token })).status).toBe(200);
    const bulk = await l();
    expect((await call("/api/v1/tickets/delete", { method: "POST", token: supervisor.token, json: { ids: [bulk.ticketId] } })).data).toEqual({ deleted: [bulk.ticketId], notFound: [] });
    const person = await l();
    expect((await call(`/api/v1/contacts/${person.contactId}`, { method: "DELETE", token: supervisor.token })).status).toBe(200);

    // Admins everywhere.
    expect((await call(`/api/v1/tickets/${mine.ticketId}`, { method: "DELETE", token: admin.token })).status).toBe(200);
    const other = await t();
    expect((await call(`/api/v1/contacts/${other.contactId}`, { method: "DELETE", token: admin.token })).status).toBe(200);

    // Unknown, and no token.
    expect((await call("/api/v1/tickets/99999999", { method: "DELETE", token: admin.token })).status).toBe(404);
    expect((await call("/api/v1/contacts/99999999", { method: "DELETE", token: admin.token })).status).toBe(404);
    expect((await call("/api/v1/tickets/1", { method: "DELETE" })).status).toBe(401);
    expect((await call("/api/v1/tickets/abc", { method: "DELETE", token: admin.token })).status).toBe(400);
  });
});
