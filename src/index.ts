import { createApp } from "./app";
import { d1MeterReading, meterD1 } from "./db/meter";
import type { Env } from "./env";
import { handleOutboxBatch } from "./outbox/consumer";
import type { OutboxMessage } from "./outbox/message";
import { sweepOutbox } from "./outbox/sweep";

export { QueueObject } from "./queue/queue-object";
export { AgentLedger } from "./agents/agent-ledger";

const app = createApp();

export default {
  fetch: (request, env, ctx) => d1MeterReading(request, env) ?? app.fetch(request, env, ctx),
  queue: (batch, env) => handleOutboxBatch(batch, meterD1(env)),
  // The cron trigger (every minute): replies a crash left queued or sending are settled.
  scheduled: async (_controller, env) => {
    await sweepOutbox(meterD1(env));
  },
} satisfies ExportedHandler<Env, OutboxMessage>;
