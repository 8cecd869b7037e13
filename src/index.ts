import { createApp } from "./app";
import type { Env } from "./env";
import { handleOutboxBatch } from "./outbox/consumer";
import type { OutboxMessage } from "./outbox/message";

export { QueueObject } from "./queue/queue-object";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env) => handleOutboxBatch(batch, env),
} satisfies ExportedHandler<Env, OutboxMessage>;
