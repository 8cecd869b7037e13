// The advanced search's conditions as its form holds them (every input's text) and as
// POST /api/v1/tickets/search takes them, both ways: a saved search comes back into the form.
import { operatorsFor, searchFields, type SearchField, type SearchOperator } from "../../src/domain/search-conditions";

/** A condition as POST /api/v1/tickets/search takes it: the API checks the value against the operator. */
export type SearchCondition = { field: string; op: string; value?: unknown; disabled?: boolean };

/** A condition as the form holds it: every input's text, turned into the API's value on running. */
export type Row = { key: number; field: SearchField; op: SearchOperator; value: string; values: string[]; from: string; to: string; disabled: boolean };
export type Choice = { value: string; label: string };

export const noValue = (op: SearchOperator) => op === "is_empty" || op === "is_not_empty";
export const isList = (op: SearchOperator) => op === "in" || op === "not_in";

let nextKey = 1;
export const blankRow = (field: SearchField = "messageText"): Row => ({ key: nextKey++, field, op: operatorsFor(field)[0]!, value: "", values: [], from: "", to: "", disabled: false });

/** datetime-local text (the browser's time zone) as epoch ms; what cannot be read goes as typed, for the API to refuse. */
const toTime = (s: string): unknown => {
  if (!s) return s;
  const t = new Date(s).getTime();
  return Number.isNaN(t) ? s : t;
};
const fromTime = (v: unknown): string => {
  const t = typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) return typeof v === "string" ? v : "";
  const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};
const toSeconds = (s: string): unknown => (s.trim() !== "" && Number.isFinite(Number(s)) ? Number(s) : s);
const splitList = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

export function toCondition(r: Row, picks: (field: SearchField) => Choice[] | null): SearchCondition {
  const c: SearchCondition = { field: r.field, op: r.op };
  if (r.disabled) c.disabled = true;
  if (noValue(r.op)) return c;
  const type = searchFields[r.field];
  if (type === "boolean") c.value = r.value === "true" ? true : r.value === "false" ? false : r.value;
  else if (type === "time") c.value = r.op === "between" ? [toTime(r.from), toTime(r.to)] : toTime(r.value);
  else if (type === "duration") c.value = r.op === "between" ? [toSeconds(r.from), toSeconds(r.to)] : toSeconds(r.value);
  else if (isList(r.op)) c.value = picks(r.field) ? r.values : splitList(r.value);
  else c.value = r.value;
  return c;
}

export function toRow(c: SearchCondition, picks: (field: SearchField) => Choice[] | null): Row {
  const field = (c.field in searchFields ? c.field : "messageText") as SearchField;
  const row = { ...blankRow(field), op: c.op as SearchOperator, disabled: c.disabled === true };
  const type = searchFields[field];
  const v = c.value;
  if (noValue(row.op) || v === undefined || v === null) return row;
  if (type === "time") return Array.isArray(v) ? { ...row, from: fromTime(v[0]), to: fromTime(v[1]) } : { ...row, value: fromTime(v) };
  if (Array.isArray(v)) {
    if (row.op === "between") return { ...row, from: String(v[0] ?? ""), to: String(v[1] ?? "") };
    return picks(field) ? { ...row, values: v.map(String) } : { ...row, value: v.map(String).join(", ") };
  }
  return { ...row, value: String(v) };
}
