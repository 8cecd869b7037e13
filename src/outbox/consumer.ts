import { retryDelayS } from "../domain/backoff";
import type { Env } from "../env";
import { deliverEdit, deliverReply, giveUp } from "./deliver";
import { outboxMessageSchema, type OutboxMessage } from "./message";

export const OUTBOX_DLQ = "channel-hub-outbox-dlq";

/** The Queue consumer: each message is one reply (or edit) to deliver; the DLQ marks what retries could not. */
export async function handleOutboxBatch(batch: MessageBatch<OutboxMessage>, env: Env) {
  const deadLetters = batch.queue === OUTBOX_DLQ;
  // One at a time: replies to one chat keep their order, and providers rate-limit per chat.
  for (const msg of batch.messages) {
    const parsed = outboxMessageSchema.safeParse(msg.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ event: "outbox_message_invalid", id: msg.id, issues: parsed.error.issues }));
      msg.ack();
      continue;
    }
    const { messageId, op } = parsed.data;
    try {
      if (deadLetters) {
        await giveUp(env, messageId, op);
        msg.ack();
        continue;
      }
      const outcome = op === "edit" ? await deliverEdit(env, messageId) : await deliverReply(env, messageId);
      if (outcome.done) msg.ack();
      else msg.retry({ delaySeconds: retryDelayS(msg.attempts, outcome.retryAfterS) });
    } catch (err) {
      console.error(JSON.stringify({ event: "outbox_delivery_error", messageId, error: String(err) }));
      msg.retry({ delaySeconds: retryDelayS(msg.attempts) });
    }
  }
}
