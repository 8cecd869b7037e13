// The queue's routing configuration: kept by the object (pushed by `configure` whenever the queue
// changes), read from D1 only when it has none yet or the Worker routes by another version of it.
import { loadQueueRouting } from "../db/account-lookup";
import type { QueueHost } from "./host";

/** Reads the queue's configuration from D1 and keeps it; on failure the one kept goes on serving. */
export async function reloadConfig(q: QueueHost) {
  try {
    const config = await loadQueueRouting(q.env.DB, q.queueId);
    if (config) q.store.setConfig(config);
  } catch (err) {
    console.error("could not read the queue's configuration", { queueId: q.queueId }, err);
  }
}

/** An object that was never configured reads its configuration before its first event. */
export async function ensureConfig(q: QueueHost) {
  if (!q.store.configTable.stored()) await reloadConfig(q);
}
