import type { ReplyWindow } from "../types";

/** WhatsApp's customer-care window: free-form replies only within 24 h of the customer's last message. */
export const WINDOW_MS = 24 * 60 * 60 * 1000;

export function sinchReplyWindow(lastInboundAt: number | null, now: number): ReplyWindow {
  if (lastInboundAt === null) {
    return { open: false, closesAt: null, reason: "outside WhatsApp's 24-hour window: the customer has not written yet (a template message is needed)" };
  }
  const closesAt = lastInboundAt + WINDOW_MS;
  if (now < closesAt) return { open: true, closesAt };
  return {
    open: false,
    closesAt,
    reason: `outside WhatsApp's 24-hour window: the customer last wrote ${new Date(lastInboundAt).toISOString()} (a template message is needed)`,
  };
}
