// CSV as RFC 4180 has it, safe to open in a spreadsheet.

export type Cell = string | number | null | undefined;

/** First characters a spreadsheet takes as the start of a formula (or that hide one after a tab or line break). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field: a text a spreadsheet would run as a formula gets a leading `'` (shown, not run);
 * a field with a comma, a quote or a line break is quoted, its quotes doubled. Numbers are
 * written as they are; null and undefined are empty.
 */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, ended by CRLF. */
export function csvLine(cells: readonly Cell[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** ISO 8601 in UTC, to the second ("2026-12-03T18:40:28Z"); empty for null. */
export function csvTime(at: number | null): string {
  return at === null ? "" : `${new Date(at).toISOString().slice(0, 19)}Z`;
}

/** Whole seconds from `from` to `to`; null when either is missing. */
export function secondsBetween(from: number | null, to: number | null): number | null {
  return from === null || to === null ? null : Math.max(0, Math.round((to - from) / 1000));
}
