import type { ReceivingAccount } from "../db/account-lookup";
import { loadAccountById } from "../db/accounts-by-setting";
import { deletePendingRoutes, loadPendingRoutes, type PendingRoute } from "../db/ingest-batch";
import type { Env } from "../env";
import type { InboundEvent } from "../providers/types";
import { handleCustomerMessage } from "./customer-message";

type Ephemeral = Extract<InboundEvent, { kind: "message" }>["ephemeral"];

/** Tickets routed side by side; one ticket's messages always one after another, in order. */
const PARALLEL_TICKETS = 6;
/** Routed messages whose pending rows are deleted together. */
const DELETE_EVERY = 50;

/**
 * Routes stored customer messages of a multi-event webhook exactly as a single one is routed
 * (`handleCustomerMessage`: commands, chatbot, queue, automatic messages), then deletes their
 * pending rows. Routing twice is harmless (the queue's object delivers a message once, automatic
 * messages are keyed), so a row left behind by a Worker that stopped half way is simply routed again.
 * Business hours are judged at the time the message was stored, however late it is routed.
 */
export async function routePending(env: Env, account: ReceivingAccount, routes: PendingRoute[], ephemeral = new Map<string, Ephemeral>()) {
  const chains = new Map<number, PendingRoute[]>();
  for (const r of routes) chains.set(r.outcome.ticket.id, [...(chains.get(r.outcome.ticket.id) ?? []), r]);
  const routed: string[] = [];
  const flush = async (min: number) => {
    if (routed.length >= min) await deletePendingRoutes(env.DB, account.id, routed.splice(0));
  };
  const waiting = [...chains.values()];
  const worker = async () => {
    for (let chain = waiting.shift(); chain; chain = waiting.shift()) {
      for (const r of chain) {
        try {
          await handleCustomerMessage(env, account, r.outcome, { sentAt: r.sentAt, ephemeral: ephemeral.get(r.eventKey) }, r.outcome.message.createdAt);
          routed.push(r.eventKey);
        } catch (err) {
          // Its pending row stays: the backstop job routes it again.
          console.error(JSON.stringify({ event: "route_pending_failed", accountId: account.id, eventKey: r.eventKey, error: String(err) }));
        }
        await flush(DELETE_EVERY);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_TICKETS, waiting.length) }, worker));
  await flush(1);
}

/** The backstop: routes whatever the account still has pending (the routing after the answer did not finish). */
export async function routeLeftovers(env: Env, account: ReceivingAccount) {
  const routes = await loadPendingRoutes(env.DB, account);
  if (routes.length === 0) return 0;
  console.warn(JSON.stringify({ event: "route_pending_leftovers", accountId: account.id, count: routes.length }));
  await routePending(env, account, routes);
  return routes.length;
}

/** The Queue's backstop job for a webhook of many events: the account's leftovers routed, if it still exists. */
export async function routeLeftoversOf(env: Env, accountId: string): Promise<void> {
  const account = await loadAccountById(env.DB, accountId);
  if (account) await routeLeftovers(env, account);
}
