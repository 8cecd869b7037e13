import { retryDelayS } from "../domain/backoff";
import type { Env } from "../env";
import { deliverEdit, deliverReply, giveUp } from "./deliver";
import { outboxMessageSchema, routeJobSchema, type OutboxMessage } from "./message";

export const OUTBOX_DLQ = "channel-hub-outbox-dlq";

/** What the consumer does with a webhook's backstop job (`routeJobSchema`): route the account's pending messages. */
export type RouteJob = (env: Env, accountId: string) => Promise<void>;

/**
 * The Queue consumer: each message is one reply (or edit) to deliver; the DLQ marks what retries
 * could not. Replies of one ticket go out one after another, in order (one chat, and providers
 * rate-limit per chat); different tickets are delivered in parallel.
 */
export async function handleOutboxBatch(batch: MessageBatch<OutboxMessage>, env: Env, routeJob: RouteJob) {
  const deadLetters = batch.queue === OUTBOX_DLQ;
  const chains = new Map<string, Message<OutboxMessage>[]>();
  for (const msg of batch.messages) {
    const job = routeJobSchema.safeParse(msg.body);
    if (job.success) {
      chains.set(`route:${msg.id}`, [msg]);
      continue;
    }
    const parsed = outboxMessageSchema.safeParse(msg.body);
    if (!parsed.success) {
      console.error(JSON.stringify({ event: "outbox_message_invalid", id: msg.id, issues: parsed.error.issues }));
      msg.ack();
      continue;
    }
    const chain = String(parsed.data.ticketId ?? `message:${parsed.data.messageId}`);
    chains.set(chain, [...(chains.get(chain) ?? []), msg]);
  }
  await Promise.all(
    [...chains.values()].map(async (chain) => {
      for (const msg of chain) await handleOne(msg, env, deadLetters, routeJob);
    }),
  );
}

async function handleOne(msg: Message<OutboxMessage>, env: Env, deadLetters: boolean, routeJob: RouteJob) {
  const job = routeJobSchema.safeParse(msg.body);
  if (job.success) return handleRouteJob(msg, env, job.data.routePending.accountId, routeJob);
  const { messageId, op } = outboxMessageSchema.parse(msg.body);
  try {
    if (deadLetters) {
      await giveUp(env, messageId, op);
      msg.ack();
      return;
    }
    const outcome = op === "edit" ? await deliverEdit(env, messageId) : await deliverReply(env, messageId);
    if (outcome.done) msg.ack();
    else msg.retry({ delaySeconds: retryDelayS(msg.attempts, outcome.retryAfterS) });
  } catch (err) {
    console.error(JSON.stringify({ event: "outbox_delivery_error", messageId, error: String(err) }));
    msg.retry({ delaySeconds: retryDelayS(msg.attempts) });
  }
}

/** A webhook's backstop: its account's messages still unrouted are routed now (normally there are none). */
async function handleRouteJob(msg: Message<OutboxMessage>, env: Env, accountId: string, routeJob: RouteJob) {
  try {
    await routeJob(env, accountId);
    msg.ack();
  } catch (err) {
    console.error(JSON.stringify({ event: "route_pending_job_failed", accountId, error: String(err) }));
    msg.retry({ delaySeconds: retryDelayS(msg.attempts) });
  }
}
