import { DurableObject } from "cloudflare:workers";
import type { RoutingConfig } from "../domain/routing-config";
import type { Env } from "../env";

export class QueueObject extends DurableObject<Env> {
  /** Stores the queue's routing configuration; called when a queue is created or updated. */
  async configure(_config: RoutingConfig): Promise<void> {}
}
