import { createApp } from "./app";
import type { Env } from "./env";
import { handleOutboxBatch } from "./outbox/consumer";
import type { OutboxMessage } from "./outbox/message";
import { sweepOutbox } from "./outbox/sweep";

export { QueueObject } from "./queue/queue-object";
export { AgentLedger } from "./agents/agent-ledger";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env) => handleOutboxBatch(batch, env),
  // The cron trigger (every minute): replies a crash left queued or sending are settled.
  scheduled: async (_controller, env) => {
    await sweepOutbox(env);
  },
} satisfies ExportedHandler<Env, OutboxMessage>;
