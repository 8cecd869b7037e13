import { env } from "cloudflare:workers";
import { ingestMessage } from "../../src/db/ingest";
import { storeReply } from "../../src/db/replies";
import { createQueue, createTelegramAccount, createUser } from "./hub";

let seq = 0;

/**
 * A Telegram customer's first message stored in D1 as the ingest stores it (at t = 1,000), with an
 * agent of the queue and `reply`, which stores that agent's reply (at t = 2,000) and gives its id.
 */
export async function replyingTicket() {
  const queueId = await createQueue();
  const { id: accountId } = await createTelegramAccount(queueId);
  const agent = await createUser({ queues: [queueId] });
  const user = 9_100_000 + ++seq;
  const stored = await ingestMessage(env.DB, { id: accountId, name: "Support bot", provider: "telegram", queueId }, {
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
  const reply = async (clientMsgId: string, text = clientMsgId) => {
    const r = await storeReply(env.DB, { ticketId, authorId: agent.id, text, clientMsgId }, 2_000);
    if (!r || !("message" in r)) throw new Error("no reply");
    return r.message.id;
  };
  return { accountId, agent, ticketId, user, reply };
}
