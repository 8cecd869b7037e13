import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ingestMessage } from "../../src/db/ingest";
import { AccountChanged } from "../../src/db/webhook-batch";
import type { InboundEvent } from "../../src/providers/types";
import { createQueue, createTelegramAccount } from "../helpers/hub";

type MessageEvent = Extract<InboundEvent, { kind: "message" }>;

/** env.DB with every batch's statements and results kept. */
function watchedDb() {
  const batches: { size: number; results: D1Result[] }[] = [];
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements);
          batches.push({ size: statements.length, results });
          return results;
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { DB, batches };
}

let seq = 0;

async function setUp() {
  const queueId = await createQueue();
  const { id } = await createTelegramAccount(queueId);
  return { id, name: "Support bot", provider: "telegram", queueId };
}

function message(user: number, n: number, name = "Ayşe Yılmaz", at = 1_760_000_000_000): MessageEvent {
  return {
    kind: "message",
    eventKey: `message:${user}:${n}`,
    providerMessageId: `${user}:${n}`,
    contact: { externalId: String(user), address: String(user), displayName: name, username: "ayse" },
    text: `Merhaba ${n} 👋`,
    attachments: [],
    sentAt: at,
  };
}

async function ticketTimes(ticketId: number) {
  return env.DB.prepare("SELECT last_message_at, updated_at FROM tickets WHERE id = ?1").bind(ticketId).first<{ last_message_at: number; updated_at: number }>();
}

describe("the ingest batch of one customer message", () => {
  it("moves the ticket's last_message_at and updated_at with each new message, and not for a retry", async () => {
    const account = await setUp();
    const user = 8_300_000 + ++seq;
    const first = await ingestMessage(env.DB, account, message(user, 1), 1_000);
    expect(first.result).toBe("stored");
    const ticketId = first.result === "stored" ? first.ticket.id : -1;
    expect(await ticketTimes(ticketId)).toEqual({ last_message_at: 1_000, updated_at: 1_000 });

    expect((await ingestMessage(env.DB, account, message(user, 2), 5_000)).result).toBe("stored");
    expect(await ticketTimes(ticketId)).toEqual({ last_message_at: 5_000, updated_at: 5_000 });

    expect((await ingestMessage(env.DB, account, message(user, 2), 9_000)).result).toBe("duplicate");
    expect(await ticketTimes(ticketId)).toEqual({ last_message_at: 5_000, updated_at: 5_000 });
  });

  it("is six statements, the account's version checked by the receipt; the contact found or created by one", async () => {
    const account = await setUp();
    const user = 8_300_000 + ++seq;
    const db = watchedDb();
    // At version 0, its last_webhook_at just written: nothing but the ingest's own statements.
    const versioned = { ...account, version: 0, lastWebhookAt: 2_000 };
    const outcome = await ingestMessage(db.DB, versioned, message(user, 1), 2_000);
    expect(outcome.result === "stored" && outcome.contactCreated && outcome.ticketCreated && outcome.conversationCreated).toBe(true);
    expect(db.batches.map((b) => b.size)).toEqual([6]);
    const next = await ingestMessage(db.DB, versioned, message(user, 2), 2_500);
    expect(next.result === "stored" && !next.contactCreated && !next.ticketCreated && !next.conversationCreated).toBe(true);
    expect(db.batches.map((b) => b.size)).toEqual([6, 6]);
  });

  it("writes nothing when the account moved past the version the webhook was checked against, a retry included", async () => {
    const account = await setUp();
    const user = 8_300_000 + ++seq;
    await ingestMessage(env.DB, { ...account, version: 0 }, message(user, 1), 2_000);
    await env.DB.prepare("UPDATE channel_accounts SET name = 'Renamed' WHERE id = ?1").bind(account.id).run();
    await expect(ingestMessage(env.DB, { ...account, version: 0 }, message(user, 2), 3_000)).rejects.toThrow(AccountChanged);
    await expect(ingestMessage(env.DB, { ...account, version: 0 }, message(user, 1), 3_000)).rejects.toThrow(AccountChanged);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE account_id = ?1").bind(account.id).first<{ n: number }>();
    expect(stored?.n).toBe(1);
    expect((await ingestMessage(env.DB, { ...account, version: 1 }, message(user, 2), 3_000)).result).toBe("stored");
  });

  it("still updates a known contact whose name changed, and its last_seen_at", async () => {
    const account = await setUp();
    const user = 8_300_000 + ++seq;
    await ingestMessage(env.DB, account, message(user, 1, "Ayşe"), 3_000);
    const second = await ingestMessage(env.DB, account, message(user, 2, "Ayşe Kaya"), 3_000);
    expect(second.result === "stored" && !second.contactCreated).toBe(true);
    const contact = await env.DB.prepare("SELECT display_name, last_seen_at FROM contacts WHERE account_id = ?1 AND external_id = ?2").bind(account.id, String(user)).first();
    expect(contact).toEqual({ display_name: "Ayşe Kaya", last_seen_at: 3_000 });
    await ingestMessage(env.DB, account, message(user, 3, "Ayşe Kaya"), 4_000);
    const later = await env.DB.prepare("SELECT last_seen_at FROM contacts WHERE account_id = ?1 AND external_id = ?2").bind(account.id, String(user)).first();
    expect(later).toEqual({ last_seen_at: 4_000 });
  });
});
