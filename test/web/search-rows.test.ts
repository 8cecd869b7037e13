import { describe, expect, it } from "vitest";
import { checkSearch, operatorsFor, searchFieldNames, searchSchema, ticketStatuses, type SearchField } from "../../src/domain/search-conditions";
import { providerKinds } from "../../src/providers/types";
import { blankRow, toCondition, toRow, type Choice, type Row } from "../../web/src/search-rows";

// The advanced search's form rows become the conditions POST /tickets/search takes, checked here
// by the same function the API checks them with; a saved search's conditions come back into rows.
const enums = { status: ticketStatuses, provider: providerKinds };
const queues: Choice[] = [{ value: "q-1", label: "Support" }];
const picks = (field: SearchField): Choice[] | null =>
  field === "status" ? ticketStatuses.map((s) => ({ value: s, label: s })) : field === "queue" ? queues : null;
const row = (patch: Partial<Row>): Row => ({ ...blankRow(patch.field), ...patch });
const check = (rows: Row[]) => checkSearch(searchSchema.parse({ match: "all", conditions: rows.map((r) => toCondition(r, picks)) }), enums);

describe("advanced search rows", () => {
  it("turn each input into the value the API takes", () => {
    const rows = [
      row({ field: "contactName", op: "contains", value: "maria" }),
      row({ field: "tags", op: "in", value: "vip, iade ,," }),
      row({ field: "status", op: "in", values: ["open", "assigned"] }),
      row({ field: "queue", op: "equals", value: "q-1" }),
      row({ field: "created", op: "between", from: "2026-01-01T00:00", to: "2026-02-01T12:30" }),
      row({ field: "firstResponseSeconds", op: "greater_than", value: "30" }),
      row({ field: "escalated", op: "equals", value: "false" }),
      row({ field: "agent", op: "is_empty", value: "left over" }),
      row({ field: "subject", op: "equals", value: "x", disabled: true }),
    ];
    const conditions = rows.map((r) => toCondition(r, picks));
    expect(conditions).toEqual([
      { field: "contactName", op: "contains", value: "maria" },
      { field: "tags", op: "in", value: ["vip", "iade"] },
      { field: "status", op: "in", value: ["open", "assigned"] },
      { field: "queue", op: "equals", value: "q-1" },
      { field: "created", op: "between", value: [new Date("2026-01-01T00:00").getTime(), new Date("2026-02-01T12:30").getTime()] },
      { field: "firstResponseSeconds", op: "greater_than", value: 30 },
      { field: "escalated", op: "equals", value: false },
      { field: "agent", op: "is_empty" },
      { field: "subject", op: "equals", value: "x", disabled: true },
    ]);
    const checked = check(rows);
    expect("problems" in checked ? checked.problems : []).toEqual([]);
  });

  it("send what cannot be read as typed, so the API names the condition", () => {
    const checked = check([row({ field: "contactName", op: "contains", value: "maria" }), row({ field: "firstResponseSeconds", op: "greater_than", value: "soon" }), row({ field: "closed", op: "after", value: "" })]);
    expect("problems" in checked && checked.problems.map((p) => p.index)).toEqual([1, 2]);
  });

  it("start every field with an operator it takes", () => {
    for (const field of searchFieldNames) expect(operatorsFor(field)).toContain(blankRow(field).op);
  });

  it("come back from a saved search as they were entered", () => {
    const rows = [
      row({ field: "created", op: "after", value: "2026-03-10T09:05" }),
      row({ field: "closed", op: "between", from: "2026-03-01T00:00", to: "2026-03-02T00:00" }),
      row({ field: "status", op: "not_in", values: ["closed"] }),
      row({ field: "tags", op: "in", value: "vip, iade" }),
      row({ field: "firstResponseSeconds", op: "between", from: "5", to: "60" }),
      row({ field: "unread", op: "equals", value: "true", disabled: true }),
      row({ field: "disposition", op: "is_not_empty" }),
    ];
    const back = rows.map((r) => toRow(toCondition(r, picks), picks));
    const strip = ({ key: _k, ...r }: Row) => r;
    expect(back.map(strip)).toEqual(rows.map(strip));
  });

  it("read an ISO date-time a client saved", () => {
    const r = toRow({ field: "created", op: "before", value: "2026-01-01T00:00:00Z" }, picks);
    expect(new Date(r.value).getTime()).toBe(Date.parse("2026-01-01T00:00:00Z"));
  });
});
