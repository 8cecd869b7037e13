import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { storeReply } from "../../src/db/replies";
import { ingestMessage } from "../../src/db/ingest";
import { createQueue, createTelegramAccount, createUser } from "../helpers/hub";

/** env.DB adding up D1's meta of every batch. */
function meteredBatches() {
  const totals = { batches: 0, statements: 0, rowsWritten: 0 };
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements);
          totals.batches++;
          for (const r of results) {
            totals.statements++;
            totals.rowsWritten += r.meta.rows_written;
          }
          return results;
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { DB, totals };
}

const ticketTimes = (ticketId: number) =>
  env.DB.prepare("SELECT last_message_at, updated_at, first_reply_at FROM tickets WHERE id = ?1").bind(ticketId).first<{ last_message_at: number; updated_at: number; first_reply_at: number | null }>();

let seq = 0;

describe("an agent's reply in D1", () => {
  it("is stored in two statements that move the ticket's last_message_at once, and a repeat of the frame moves nothing", async () => {
    const queueId = await createQueue();
    const { id } = await createTelegramAccount(queueId);
    const agent = await createUser({ queues: [queueId] });
    const user = 9_100_000 + ++seq;
    const stored = await ingestMessage(env.DB, { id, name: "Support bot", provider: "telegram", queueId }, {
      kind: "message",
      eventKey: `message:${user}:1`,
      providerMessageId: `${user}:1`,
      contact: { externalId: String(user), address: String(user), displayName: "Ayşe", username: "ayse" },
      text: "Merhaba",
      attachments: [],
      sentAt: 1_000,
    }, 1_000);
    if (stored.result !== "stored") throw new Error("not stored");
    const ticketId = stored.ticket.id;
    expect(await ticketTimes(ticketId)).toEqual({ last_message_at: 1_000, updated_at: 1_000, first_reply_at: null });

    const meter = meteredBatches();
    const reply = await storeReply(meter.DB, { ticketId, authorId: agent.id, text: "Hemen bakıyorum", clientMsgId: "c-1" }, 5_000);
    expect(reply && "created" in reply && reply.created).toBe(true);
    expect(meter.totals).toMatchObject({ batches: 1, statements: 2 });
    expect(await ticketTimes(ticketId)).toEqual({ last_message_at: 5_000, updated_at: 5_000, first_reply_at: 5_000 });

    const again = await storeReply(env.DB, { ticketId, authorId: agent.id, text: "Hemen bakıyorum", clientMsgId: "c-1" }, 9_000);
    expect(again && "created" in again && again.created).toBe(false);
    expect(await ticketTimes(ticketId)).toEqual({ last_message_at: 5_000, updated_at: 5_000, first_reply_at: 5_000 });
  });
});
