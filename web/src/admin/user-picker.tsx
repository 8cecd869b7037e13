// Who works a queue, as the account's agents and the queue's members show them, and the picker
// that adds active users to them.
import { useState } from "preact/hooks";
import type { User } from "./data";

/** A person in a list of agents or members: name, email, role, and whether they are inactive. */
export function Person({ p }: { p: { displayName: string; email: string; role: string; active: boolean } }) {
  return (
    <span>
      {p.displayName} <small>{p.email}</small> <small>{p.role}</small>
      {!p.active && <small> (inactive)</small>}
    </span>
  );
}

/** Active users to tick, `addable` being those not in the list yet; adds the ticked ones at once. */
export function UserPicker({
  legend,
  addable,
  noneLeft,
  addLabel,
  showRole,
  busy,
  onAdd,
  onCancel,
}: {
  legend: string;
  addable: User[];
  noneLeft: string;
  addLabel: string;
  showRole?: boolean;
  busy: boolean;
  onAdd(userIds: string[]): void;
  onCancel(): void;
}) {
  const [picked, setPicked] = useState<Set<string>>(new Set());
  return (
    <fieldset class="group picker">
      <legend>{legend}</legend>
      {addable.length === 0 && <p class="empty">{noneLeft}</p>}
      {addable.map((u) => (
        <label key={u.id} class="pick">
          <input
            type="checkbox"
            checked={picked.has(u.id)}
            onChange={(e) => {
              const next = new Set(picked);
              if ((e.currentTarget as HTMLInputElement).checked) next.add(u.id);
              else next.delete(u.id);
              setPicked(next);
            }}
          />
          {u.displayName} <small>{u.email}</small>
          {showRole && (
            <>
              {" "}
              <small>{u.role}</small>
            </>
          )}
        </label>
      ))}
      <div class="actions">
        <button type="button" class="primary" disabled={busy || picked.size === 0} onClick={() => onAdd([...picked])}>
          {addLabel}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </fieldset>
  );
}
