import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordOutcome } from "../../src/db/outbox";
import { replyingTicket } from "../helpers/replying";

// What setting a reply's provider id does besides (migration 0022): the outcome's one UPDATE folds
// in an echo stored in the reply's place and drops the reports it took up; an echo that reconciles
// a reply still sending leaves the reports for the outcome.

const one = <T>(sql: string, ...params: unknown[]) => env.DB.prepare(sql).bind(...params).first<T>();
const pendingFor = (accountId: string, providerMessageId: string) =>
  env.DB.prepare("INSERT INTO pending_statuses (account_id, provider_message_id, status, reason, at) VALUES (?1, ?2, 'delivered', NULL, ?3)").bind(accountId, providerMessageId, 2_500);

describe("a send's outcome in D1", () => {
  it("folds in an echo that outran the answer and was stored as a message of its own", async () => {
    const { accountId, ticketId, user, reply } = await replyingTicket();
    const sent = await reply("c-echo", "Kargonuz yolda");
    // The echo (the customer's copy, prefixed with the agent's name) came first: no author, the send's id.
    const echo = await one<{ id: number }>(
      `INSERT INTO messages (account_id, ticket_id, direction, body, provider_message_id, status, created_at, updated_at)
       VALUES (?1, ?2, 'out', 'Ayşe: Kargonuz yolda', ?3, 'sent', 2_100, 2_100) RETURNING id`,
      accountId, ticketId, `p-${user}`,
    );
    expect(await recordOutcome(env.DB, { id: sent, accountId }, { status: "sent", providerMessageId: `p-${user}` }, 3_000)).toEqual({ status: "sent", reason: null });
    expect(await one("SELECT id FROM messages WHERE id = ?1", echo!.id)).toBeNull();
    expect(await one("SELECT provider_message_id, status FROM messages WHERE id = ?1", sent)).toEqual({ provider_message_id: `p-${user}`, status: "sent" });
    expect(await one("SELECT preview_message_id FROM tickets WHERE id = ?1", ticketId)).toEqual({ preview_message_id: sent });
  });

  it("keeps the reports an echo's reconciliation leaves waiting, and applies them with the outcome", async () => {
    const { accountId, user, reply } = await replyingTicket();
    const sent = await reply("c-reconciled");
    await pendingFor(accountId, `p-${user}`).run();
    // As ingestEcho reconciles a reply still sending: its id, nothing else.
    await env.DB.prepare("UPDATE messages SET provider_message_id = ?2, updated_at = 2_600 WHERE id = ?1").bind(sent, `p-${user}`).run();
    expect(await one("SELECT count(*) AS n FROM pending_statuses WHERE account_id = ?1", accountId)).toEqual({ n: 1 });
    expect(await recordOutcome(env.DB, { id: sent, accountId }, { status: "sent", providerMessageId: `p-${user}` }, 3_000)).toEqual({ status: "delivered", reason: null });
    expect(await one("SELECT count(*) AS n FROM pending_statuses WHERE account_id = ?1", accountId)).toEqual({ n: 0 });
  });

  it("drops the account's reports older than a day and keeps the others' newer ones", async () => {
    const { accountId, user, reply } = await replyingTicket();
    const sent = await reply("c-old");
    const now = 200_000_000;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO pending_statuses (account_id, provider_message_id, status, at) VALUES (?1, ?2, 'read', ?3)").bind(accountId, `old-${user}`, now - 25 * 3_600_000),
      env.DB.prepare("INSERT INTO pending_statuses (account_id, provider_message_id, status, at) VALUES (?1, ?2, 'read', ?3)").bind(accountId, `new-${user}`, now - 23 * 3_600_000),
    ]);
    expect(await recordOutcome(env.DB, { id: sent, accountId }, { status: "sent", providerMessageId: `p-${user}` }, now)).toEqual({ status: "sent", reason: null });
    const left = await env.DB.prepare("SELECT provider_message_id FROM pending_statuses WHERE account_id = ?1").bind(accountId).all<{ provider_message_id: string }>();
    expect(left.results.map((r) => r.provider_message_id)).toEqual([`new-${user}`]);
  });
});
