import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { defaultConversationSettings } from "../../src/domain/conversation-settings";
import { defaultRoutingConfig } from "../../src/domain/routing-config";
import type { MessageView, TicketView } from "../../src/kinds/views";
import { createQueue, queueStub } from "../helpers/hub";

// A new ticket's account settings, which the Worker sends with each message, are written with the
// ticket's row in the object's SQLite, not by a statement of their own.

const base = 60_000_000 + Math.floor(Math.random() * 1_000_000) * 10;

function ticket(id: number): TicketView {
  return { id, accountId: "acc-settings", accountName: "Settings", provider: "telegram", contact: { id, name: `Müşteri ${id}`, username: null }, subject: null, createdAt: 1_763_700_000_000 };
}

function message(id: number, ticketId: number): MessageView {
  return { id, ticketId, direction: "in", body: "Merhaba 👋", attachments: [], status: "received", statusReason: null, authorId: null, createdAt: Date.now(), editedAt: null, deletedAt: null, reaction: null };
}

/** The object's SQL statements while `work` runs. */
async function statementsOf(queueId: string, work: () => Promise<unknown>) {
  const seen: string[] = [];
  let on = true;
  await runInDurableObject(queueStub(queueId), (_o, state) => {
    const sql = state.storage.sql;
    const exec = sql.exec.bind(sql);
    (sql as { exec: typeof sql.exec }).exec = ((query: string, ...bindings: SqlStorageValue[]) => {
      if (on) seen.push(query);
      return exec(query, ...bindings);
    }) as typeof sql.exec;
  });
  await work();
  on = false;
  return seen;
}

describe("a new ticket's settings in the queue object", () => {
  it("cost no statement of their own, and are kept with the ticket", async () => {
    const queueId = await createQueue();
    const stub = queueStub(queueId);
    const config = { ...defaultRoutingConfig, agentRingTimeS: 600 };
    // Woken and configured first, so both measured messages find the object in the same state.
    await stub.routeInbound({ ticket: ticket(base), assigneeId: null, message: message(base, base), config });
    const bare = await statementsOf(queueId, () => stub.routeInbound({ ticket: ticket(base + 1), assigneeId: null, message: message(base + 1, base + 1), config }));
    const settings = { ...defaultConversationSettings, reassignAbandoned: !defaultConversationSettings.reassignAbandoned };
    const withSettings = await statementsOf(queueId, () => stub.routeInbound({ ticket: ticket(base + 2), assigneeId: null, message: message(base + 2, base + 2), config, settings }));
    expect(withSettings.length).toBe(bare.length);
    const kept = await runInDurableObject(stub, (_o, state) => state.storage.sql.exec<{ settings: string | null }>("SELECT settings FROM tickets WHERE id = ?", base + 2).one().settings);
    expect(JSON.parse(kept!)).toEqual(settings);
    // A later message with other settings still updates them.
    const changed = { ...settings, reassignAbandoned: !settings.reassignAbandoned };
    await stub.routeInbound({ ticket: ticket(base + 2), assigneeId: null, message: message(base + 3, base + 2), config, settings: changed });
    const after = await runInDurableObject(stub, (_o, state) => state.storage.sql.exec<{ settings: string | null }>("SELECT settings FROM tickets WHERE id = ?", base + 2).one().settings);
    expect(JSON.parse(after!)).toEqual(changed);
  });

  it("are taken as JSON too, as the Worker sends them, with no more statements than the object", async () => {
    const queueId = await createQueue();
    const stub = queueStub(queueId);
    const config = { ...defaultRoutingConfig, agentRingTimeS: 600 };
    await stub.routeInbound({ ticket: ticket(base + 10), assigneeId: null, message: message(base + 10, base + 10), config });
    const settings = { ...defaultConversationSettings, reassignAbandoned: !defaultConversationSettings.reassignAbandoned };
    const asObject = await statementsOf(queueId, () => stub.routeInbound({ ticket: ticket(base + 11), assigneeId: null, message: message(base + 11, base + 11), config, settings }));
    const asJson = await statementsOf(queueId, () => stub.routeInbound({ ticket: ticket(base + 12), assigneeId: null, message: message(base + 12, base + 12), config, settingsJson: JSON.stringify(settings) }));
    expect(asJson.length).toBe(asObject.length);
    const kept = await runInDurableObject(stub, (_o, state) => state.storage.sql.exec<{ settings: string | null }>("SELECT settings FROM tickets WHERE id = ?", base + 12).one().settings);
    expect(JSON.parse(kept!)).toEqual(settings);
  });
});
