import { createApp } from "./app";
import { routeLeftoversOf } from "./automations/route-pending";
import { openDb } from "./db/database";
import { d1MeterReading, meterD1 } from "./db/meter";
import { pruneSocketTickets } from "./db/socket-tickets";
import type { Env } from "./env";
import { handleOutboxBatch } from "./outbox/consumer";
import type { OutboxMessage } from "./outbox/message";
import { sweepOutbox } from "./outbox/sweep";

export { QueueObject } from "./queue/queue-object";
export { AgentLedger } from "./agents/agent-ledger";

const app = createApp();

export default {
  fetch: (request, env, ctx) => d1MeterReading(request, env) ?? app.fetch(request, env, ctx),
  queue: (batch, env) => handleOutboxBatch(batch, meterD1(env), routeLeftoversOf),
  // The cron trigger (every minute): replies a crash left queued or sending are settled, and
  // socket tickets nobody used are deleted.
  scheduled: async (_controller, env) => {
    const metered = meterD1(env);
    await Promise.all([sweepOutbox(metered), pruneSocketTickets(openDb(metered.DB), Date.now())]);
  },
} satisfies ExportedHandler<Env, OutboxMessage>;
