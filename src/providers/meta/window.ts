import type { ReplyWindow } from "../types";
import type { MetaSettings } from "./config";

export const STANDARD_WINDOW_MS = 24 * 60 * 60 * 1000;
/** With Meta's Human Agent permission, people may answer for 7 days (tag HUMAN_AGENT past 24 h). */
export const HUMAN_AGENT_WINDOW_MS = 7 * STANDARD_WINDOW_MS;

/** Free-form replies are open until the customer's last message + 24 h, or + 7 days with humanAgent. */
export function metaReplyWindow(settings: Pick<MetaSettings, "humanAgent">, lastInboundAt: number | null, now: number): ReplyWindow {
  if (lastInboundAt === null) {
    return { open: false, closesAt: null, reason: "the customer has not written yet: Instagram allows replies only to a customer's message" };
  }
  const closesAt = lastInboundAt + (settings.humanAgent ? HUMAN_AGENT_WINDOW_MS : STANDARD_WINDOW_MS);
  if (now < closesAt) return { open: true, closesAt };
  const name = settings.humanAgent ? "7-day human agent reply window" : "24-hour reply window";
  return { open: false, closesAt, reason: `the ${name} closed at ${new Date(closesAt).toISOString()}` };
}

/** Past 24 h (and within 7 days, which the window check guarantees) a human agent's reply carries the HUMAN_AGENT tag. */
export function needsHumanAgentTag(settings: Pick<MetaSettings, "humanAgent">, lastInboundAt: number | null, now: number): boolean {
  return settings.humanAgent && lastInboundAt !== null && now - lastInboundAt >= STANDARD_WINDOW_MS;
}
