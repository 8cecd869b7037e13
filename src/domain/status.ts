import type { MessageStatus } from "../kinds/message";

/**
 * Order of an outbound message's statuses. A report only applies when it ranks above the current
 * status, so out-of-order callbacks never move a message back. `failed` ranks just above `sent`:
 * a failure after `sent` is news, after `delivered` it is a stale report. Once failed, nothing moves it.
 */
export const statusRank: Record<MessageStatus, number> = {
  received: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  failed: 3.5,
  delivered: 4,
  read: 5,
};

/** The rank a message currently `failed` has for comparison: terminal. */
export const TERMINAL_RANK = 9;

/** A status column's rank as the current status (failed is terminal), in SQL. */
export const currentRankSql = (column: string) =>
  `(CASE ${column} ${Object.entries(statusRank)
    .map(([s, r]) => `WHEN '${s}' THEN ${s === "failed" ? TERMINAL_RANK : r}`)
    .join(" ")} ELSE 0 END)`;

/** A status column's rank as a report to apply, in SQL. */
export const reportRankSql = (column: string) =>
  `(CASE ${column} ${Object.entries(statusRank)
    .map(([s, r]) => `WHEN '${s}' THEN ${r}`)
    .join(" ")} ELSE 0 END)`;

export const statusRankSql = currentRankSql("status");
