import { createApp } from "./app";
import type { Env } from "./env";

export { QueueObject } from "./queue/queue-object";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    const { handleOutboxBatch } = await import("./outbox/consumer");
    await handleOutboxBatch(batch, env);
  },
} satisfies ExportedHandler<Env, import("./outbox/message").OutboxMessage>;
