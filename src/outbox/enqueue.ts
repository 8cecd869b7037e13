import type { Env } from "../env";

/** A stored outbound message: what the Queue carries to find it again. */
export type DeliveryRef = { id: number; ticketId: number };

/**
 * The one place a delivery goes on the outbox Queue: a stored message to send (`send`), or the
 * provider's copy of a sent one to edit (`edit`). Enqueueing twice is harmless: a delivery claims
 * its row before any send.
 */
export async function enqueueDelivery(env: Pick<Env, "OUTBOX">, m: DeliveryRef, o: { op?: "send" | "edit"; delaySeconds?: number } = {}): Promise<void> {
  const body = { messageId: m.id, ticketId: m.ticketId, op: o.op ?? "send" };
  await (o.delaySeconds ? env.OUTBOX.send(body, { delaySeconds: o.delaySeconds }) : env.OUTBOX.send(body));
}

/** Several stored messages to send, in one Queue call. */
export async function enqueueDeliveries(env: Pick<Env, "OUTBOX">, refs: readonly DeliveryRef[]): Promise<void> {
  if (refs.length === 0) return;
  await env.OUTBOX.sendBatch(refs.map((m) => ({ body: { messageId: m.id, ticketId: m.ticketId, op: "send" as const } })));
}
