/** Seconds before delivery attempt `attempt` + 1: exponential from 2 s, capped at 10 min, never before the provider's hint. */
export function retryDelayS(attempt: number, retryAfterS?: number): number {
  const exponential = Math.min(600, 2 ** Math.max(1, attempt));
  return Math.max(exponential, Math.ceil(retryAfterS ?? 0));
}

/** A send claimed longer ago than this without an outcome may or may not have reached the provider. */
export const SEND_LEASE_MS = 60_000;
