import type { Env } from "../env";
import type { OutboxMessage } from "./message";

export async function handleOutboxBatch(batch: MessageBatch<OutboxMessage>, _env: Env) {
  for (const m of batch.messages) m.ack();
}
