import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ingestMessage } from "../../src/db/ingest";
import { ingestMessageRun } from "../../src/db/ingest-batch";
import { ingestEcho } from "../../src/db/ingest-reports";
import { BASE, createQueue, createTelegramAccount, row, SECRET_TOKEN, telegramUpdate } from "../helpers/hub";
import { meteredBatches } from "../helpers/d1-trips";

const app = createApp();


async function post(key: string, update: unknown, db: D1Database) {
  const exec = createExecutionContext();
  const res = await app.fetch(
    new Request(`${BASE}/webhooks/telegram/${key}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN },
      body: JSON.stringify(update),
    }),
    { ...env, DB: db },
    exec,
  );
  await waitOnExecutionContext(exec);
  return res.status;
}

type ListValues = { contact_name: string; contact_handle: string; contact_username: string | null; created_at: number; created_max_at: number };
const listValues = (ticketId: number) => row<ListValues>("SELECT contact_name, contact_handle, contact_username, created_at, created_max_at FROM tickets WHERE id = ?1", ticketId);
const latestMaxBefore = (ticketId: number) => row<{ m: number }>("SELECT coalesce(max(created_max_at), 0) AS m FROM tickets WHERE id < ?1", ticketId);

let seq = 0;
const nextUser = () => 8_300_000 + ++seq * 10;

describe("rows a customer's message writes in D1", () => {
  it("a new customer: 26 rows in the ingest batch, the ticket's list values written by its insert", async () => {
    const account = await createTelegramAccount(await createQueue());
    // The account is in this isolate's memory and its last_webhook_at written: only the ingest batch follows.
    expect(await post(account.key, telegramUpdate({ updateId: nextUser(), userId: nextUser(), messageId: 1 }), env.DB)).toBe(200);

    const userId = nextUser();
    const meter = meteredBatches();
    expect(await post(account.key, telegramUpdate({ updateId: userId, userId, messageId: 1, firstName: "Ayşe" }), meter.DB)).toBe(200);
    // contact 3 (row, its external id's index, the id sequence), ticket 11 (row, 9 indexes, sequence),
    // conversation 3, message 7 (row, 2 indexes, sequence, full text, the ticket's list row), receipt 2.
    expect(meter.totals).toMatchObject({ batches: 1, statements: 6 });
    expect(meter.totals.rowsWritten).toBeLessThanOrEqual(26);

    const ticket = await row<{ id: number }>("SELECT t.id FROM tickets t JOIN contacts c ON c.id = t.contact_id WHERE c.account_id = ?1 AND c.external_id = ?2", account.id, String(userId));
    const values = await listValues(ticket!.id);
    expect(values).toMatchObject({ contact_name: "Ayşe Çelik", contact_handle: String(userId), contact_username: "zeynep_c" });
    expect(values!.created_max_at).toBe(Math.max(values!.created_at, (await latestMaxBefore(ticket!.id))!.m));
  });

  it("the same customer again: 11 rows, no conversation insert tried while one is open", async () => {
    const account = await createTelegramAccount(await createQueue());
    const userId = nextUser();
    expect(await post(account.key, telegramUpdate({ updateId: userId, userId, messageId: 1 }), env.DB)).toBe(200);

    const meter = meteredBatches();
    expect(await post(account.key, telegramUpdate({ updateId: userId + 1, userId, messageId: 2 }), meter.DB)).toBe(200);
    // contact 2, message 7, receipt 2.
    expect(meter.totals).toMatchObject({ batches: 1, statements: 6 });
    expect(meter.totals.rowsWritten).toBeLessThanOrEqual(11);
    expect((await row<{ n: number }>("SELECT count(*) AS n FROM conversations v JOIN tickets t ON t.id = v.ticket_id JOIN contacts c ON c.id = t.contact_id WHERE c.account_id = ?1", account.id))!.n).toBe(1);
  });

  it("a webhook of many messages writes each new ticket's list values in its insert too", async () => {
    const queueId = await createQueue();
    const account = await createTelegramAccount(queueId);
    const users = [nextUser(), nextUser()];
    const now = Date.now();
    const events = users.flatMap((u, i) =>
      [1, 2].map((m) => ({
        kind: "message" as const,
        eventKey: `message:${u}:${m}`,
        providerMessageId: `${u}:${m}`,
        contact: { externalId: String(u), address: String(u), displayName: `Müşteri ${i}`, username: i === 0 ? "musteri_0" : undefined },
        text: `mesaj ${m}`,
        attachments: [],
        sentAt: now,
      })),
    );
    const routes = await ingestMessageRun(env.DB, { id: account.id, name: "Support bot", provider: "telegram", queueId }, events, [], now);
    expect(routes.map((r) => r.outcome.ticketCreated)).toEqual([true, false, true, false]);
    for (const [i, u] of users.entries()) {
      const ticketId = routes[i * 2]!.outcome.ticket.id;
      const values = await listValues(ticketId);
      expect(values).toMatchObject({ contact_name: `Müşteri ${i}`, contact_handle: String(u), contact_username: i === 0 ? "musteri_0" : null, created_at: now });
      expect(values!.created_max_at).toBe(Math.max(now, (await latestMaxBefore(ticketId))!.m));
      const last = await row<{ last_message_at: number }>("SELECT last_message_at FROM tickets WHERE id = ?1", ticketId);
      expect(last!.last_message_at).toBe(now);
    }
  });

  it("an echo naming only an address finds the contact last seen there, whether its address is its external id or not", async () => {
    const queueId = await createQueue();
    const { id } = await createTelegramAccount(queueId);
    const account = { id, name: "Support bot", provider: "telegram", queueId };
    const inbound = (externalId: string, address: string, n: number, at: number) =>
      ingestMessage(env.DB, account, {
        kind: "message",
        eventKey: `message:${externalId}:${n}`,
        providerMessageId: `${externalId}:${n}`,
        contact: { externalId, address, displayName: `Müşteri ${externalId}` },
        text: "Merhaba",
        attachments: [],
        sentAt: at,
      }, at);
    const echo = (address: string, n: number) =>
      ingestEcho(env.DB, account, {
        kind: "echo",
        eventKey: `echo:${address}:${n}`,
        providerMessageId: `echo-${address}-${n}`,
        contact: { externalId: "", address, displayName: "" },
        contactBy: "address",
        text: `Uygulamadan ${n}`,
        attachments: [],
        sentAt: 1_000 + n,
      } as never);
    const ticketOfEcho = async (address: string, n: number) => {
      await echo(address, n);
      return (await row<{ ticket_id: number }>("SELECT ticket_id FROM messages WHERE account_id = ?1 AND provider_message_id = ?2", id, `echo-${address}-${n}`))?.ticket_id;
    };
    const same = String(nextUser());
    const a = await inbound(same, same, 1, 1_000);
    const b = await inbound(`other-${same}`, same, 1, 2_000);
    if (a.result !== "stored" || b.result !== "stored") throw new Error("not stored");
    // Seen last: the contact whose external id differs from the address.
    expect(await ticketOfEcho(same, 1)).toBe(b.ticket.id);
    await inbound(same, same, 2, 3_000);
    // Seen last now: the one whose external id is the address.
    expect(await ticketOfEcho(same, 2)).toBe(a.ticket.id);
  });
});
