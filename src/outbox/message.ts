import { z } from "zod";

/** A Queue message: deliver the stored outbound message `messageId`. The row holds everything else. */
export const outboxMessageSchema = z.object({
  messageId: z.number().int().positive(),
  /** Replies of one ticket are delivered in order; different tickets in parallel. */
  ticketId: z.number().int().positive().optional(),
  /** "send" a new reply, or "edit" the provider's copy of an already sent one. */
  op: z.enum(["send", "edit"]).default("send"),
});
export type OutboxMessage = z.input<typeof outboxMessageSchema>;
