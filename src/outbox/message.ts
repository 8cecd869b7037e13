import { z } from "zod";

/** A Queue message: deliver the stored outbound message `messageId`. The row holds everything else. */
export const outboxMessageSchema = z.object({
  messageId: z.number().int().positive(),
  /** Replies of one ticket are delivered in order; different tickets in parallel. */
  ticketId: z.number().int().positive().optional(),
  /** "send" a new reply, or "edit" the provider's copy of an already sent one. */
  op: z.enum(["send", "edit"]).default("send"),
});

/**
 * The backstop of a multi-event webhook, sent delayed before its messages are stored: route
 * whatever of the account is still pending by then (the routing after the answer did not finish).
 */
export const routeJobSchema = z.object({ routePending: z.object({ accountId: z.string().min(1) }) });

export type OutboxMessage = z.input<typeof outboxMessageSchema> | z.input<typeof routeJobSchema>;
