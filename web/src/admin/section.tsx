// What every admin section's list shows the same way: its heading with the button that starts a new
// item, the list's loading and empty states, and its table.
import type { ComponentChildren } from "preact";

/** The section's heading; the New button only where the caller may create (`onNew`). */
export function SectionHead({ title, titleId, class: cls = "section-head", newLabel, onNew }: { title: string; titleId?: string; class?: string; newLabel: string; onNew?: () => void }) {
  return (
    <div class={cls}>
      <h2 id={titleId}>{title}</h2>
      {onNew && (
        <button type="button" class="primary" onClick={onNew}>
          {newLabel}
        </button>
      )}
    </div>
  );
}

/**
 * The items once they are read: `loading` until then (null shows nothing, e.g. while an error is
 * shown instead), `empty` when there are none (without it, an empty list is passed on).
 */
export function Listing<T>({ items, loading, empty, children }: { items: readonly T[] | null; loading: string | null; empty?: ComponentChildren; children(items: readonly T[]): ComponentChildren }) {
  if (items === null) return loading === null ? null : <p role="status">{loading}</p>;
  if (items.length === 0 && empty !== undefined) return <p class="empty">{empty}</p>;
  return <>{children(items)}</>;
}

/** A list as a table: a header per column and, with `actions`, a last column for each row's buttons. */
export function ListTable({
  label,
  columns,
  actions = true,
  wrap = "table-wrap",
  class: cls,
  children,
}: {
  label: string;
  columns: readonly string[];
  actions?: boolean;
  wrap?: string;
  class?: string;
  children: ComponentChildren;
}) {
  return (
    <div class={wrap}>
      <table class={cls} aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
