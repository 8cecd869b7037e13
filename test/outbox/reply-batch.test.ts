import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordOutcome } from "../../src/db/outbox";
import { storeReply } from "../../src/db/replies";
import { meteredBatches } from "../helpers/d1-trips";
import { replyingTicket } from "../helpers/replying";

const ticketTimes = (ticketId: number) =>
  env.DB.prepare("SELECT last_message_at, updated_at, first_reply_at FROM tickets WHERE id = ?1").bind(ticketId).first<{ last_message_at: number; updated_at: number; first_reply_at: number | null }>();

describe("an agent's reply in D1", () => {
  it("is stored in one statement that moves the ticket's last_message_at once, and a repeat of the frame moves nothing", async () => {
    const { agent, ticketId } = await replyingTicket();
    expect(await ticketTimes(ticketId)).toEqual({ last_message_at: 1_000, updated_at: 1_000, first_reply_at: null });

    const meter = meteredBatches();
    const reply = await storeReply(meter.DB, { ticketId, authorId: agent.id, text: "Hemen bakıyorum", clientMsgId: "c-1" }, 5_000);
    expect(reply && "created" in reply && reply.created).toBe(true);
    expect(meter.totals).toMatchObject({ batches: 1, statements: 1 });
    expect(await ticketTimes(ticketId)).toEqual({ last_message_at: 5_000, updated_at: 5_000, first_reply_at: 5_000 });

    const again = await storeReply(env.DB, { ticketId, authorId: agent.id, text: "Hemen bakıyorum", clientMsgId: "c-1" }, 9_000);
    expect(again && "created" in again && again.created).toBe(false);
    expect(await ticketTimes(ticketId)).toEqual({ last_message_at: 5_000, updated_at: 5_000, first_reply_at: 5_000 });
  });

  it("records a send's outcome in one statement, taking up the furthest report that outran it, never going back", async () => {
    const { accountId: id, user, reply } = await replyingTicket();
    const statusOf = (messageId: number) => env.DB.prepare("SELECT status, status_reason AS reason FROM messages WHERE id = ?1").bind(messageId).first();
    const early = (providerMessageId: string, status: string, reason: string | null = null) =>
      env.DB.prepare("INSERT INTO pending_statuses (account_id, provider_message_id, status, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)").bind(id, providerMessageId, status, reason, Date.now()).run();

    // Nothing early: sent.
    const plain = await reply("c-plain");
    const meter = meteredBatches();
    expect(await recordOutcome(meter.DB, { id: plain, accountId: id }, { status: "sent", providerMessageId: `p-${user}-1` }, 3_000)).toEqual({ status: "sent", reason: null });
    expect(meter.totals).toMatchObject({ batches: 1, statements: 1 });
    expect(await statusOf(plain)).toEqual({ status: "sent", reason: null });

    // Reports that outran the answer: the furthest applies, and they are gone after.
    const outrun = await reply("c-outrun");
    await early(`p-${user}-2`, "delivered");
    await early(`p-${user}-2`, "read");
    expect(await recordOutcome(env.DB, { id: outrun, accountId: id }, { status: "sent", providerMessageId: `p-${user}-2` }, 3_000)).toEqual({ status: "read", reason: null });
    expect(await statusOf(outrun)).toEqual({ status: "read", reason: null });
    expect((await env.DB.prepare("SELECT count(*) AS n FROM pending_statuses WHERE provider_message_id = ?1").bind(`p-${user}-2`).first<{ n: number }>())!.n).toBe(0);

    // A report that went further than sent already: never back.
    const ahead = await reply("c-ahead");
    await env.DB.prepare("UPDATE messages SET status = 'delivered' WHERE id = ?1").bind(ahead).run();
    expect(await recordOutcome(env.DB, { id: ahead, accountId: id }, { status: "sent", providerMessageId: `p-${user}-3` }, 3_000)).toEqual({ status: "delivered", reason: null });

    // A claim settled as of unknown outcome learns it was sent; a real failure stays failed.
    const unknown = await reply("c-unknown");
    await env.DB.prepare("UPDATE messages SET status = 'failed', status_reason = 'outcome unknown: the attempt stopped' WHERE id = ?1").bind(unknown).run();
    expect(await recordOutcome(env.DB, { id: unknown, accountId: id }, { status: "sent", providerMessageId: `p-${user}-4` }, 3_000)).toEqual({ status: "sent", reason: null });
    const failed = await reply("c-failed");
    await env.DB.prepare("UPDATE messages SET status = 'failed', status_reason = 'blocked' WHERE id = ?1").bind(failed).run();
    await early(`p-${user}-5`, "delivered");
    expect(await recordOutcome(env.DB, { id: failed, accountId: id }, { status: "sent", providerMessageId: `p-${user}-5` }, 3_000)).toEqual({ status: "failed", reason: null });
  });
});
