import type { QueueObject } from "./queue/queue-object";
import type { AgentLedger } from "./agents/agent-ledger";
import type { OutboxMessage } from "./outbox/message";
import type { Principal } from "./kinds/principal";

export interface Env {
  DB: D1Database;
  QUEUE_OBJECT: DurableObjectNamespace<QueueObject>;
  /** One per agent (by user id): their capacity counted across queues. */
  AGENT_LEDGER: DurableObjectNamespace<AgentLedger>;
  OUTBOX: Queue<OutboxMessage>;
  /** base64 of 32 random bytes: the AES-GCM key provider secrets are sealed under. */
  SECRETS_KEY: string;
  /** Public origin providers call (scheme://host[:port]); empty = the request's own origin. */
  PUBLIC_BASE_URL?: string;
  /** Workers Rate Limiting: refused webhooks per source address (CF-Connecting-IP). */
  WEBHOOK_SOURCE_REFUSALS: RateLimit;
  /** Workers Rate Limiting: refused webhooks per account. */
  WEBHOOK_ACCOUNT_REFUSALS: RateLimit;
  /** How long a webhook body may take to arrive, in ms (default 10000); a slower one is refused with 408. */
  WEBHOOK_BODY_TIMEOUT_MS?: string;
  /** API key for the LibreTranslate server of queues that translate; unset for servers without keys. */
  LIBRETRANSLATE_API_KEY?: string;
}

export type AppContext = { Bindings: Env; Variables: { auth: Principal } };
