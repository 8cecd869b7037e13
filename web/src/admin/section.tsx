// What every admin section's list shows the same way: its heading with the button that starts a new
// item, the list's loading and empty states, and its table.
import type { ComponentChildren, VNode } from "preact";
import { useState } from "preact/hooks";
import { messageOf } from "./data";

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

/**
 * The items as a table once they are read (see Listing): a header per column and, with `actions`, a
 * last column for each row's buttons; `children` makes an item's row.
 */
export function ListTable<T>({
  items,
  loading,
  empty,
  label,
  columns,
  actions = true,
  wrap = "table-wrap",
  class: cls,
  children,
}: {
  items: readonly T[] | null;
  loading: string | null;
  empty?: string;
  label: string;
  columns: readonly string[];
  actions?: boolean;
  wrap?: string;
  class?: string;
  children(item: T): VNode;
}) {
  return (
    <Listing items={items} loading={loading} empty={empty}>
      {(items) => (
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
            <tbody>{items.map(children)}</tbody>
          </table>
        </div>
      )}
    </Listing>
  );
}

/** The way from an item's screen back to the section's list. */
export function BackButton({ to, onClick }: { to: string; onClick(): void }) {
  return (
    <button type="button" class="back" onClick={onClick}>
      ← {to}
    </button>
  );
}

/** Deletes after the browser's confirmation; a refusal comes back as "Not deleted: …" (after a null that clears the last one). */
export function DeleteButton({ label, question, remove, onDeleted, onFailure }: { label: string; question: string; remove(): Promise<unknown>; onDeleted(): void; onFailure(message: string | null): void }) {
  return (
    <button
      type="button"
      class="danger"
      onClick={() => {
        if (!confirm(question)) return;
        onFailure(null);
        remove().then(onDeleted, (err) => onFailure(`Not deleted: ${messageOf(err)}`));
      }}
    >
      {label}
    </button>
  );
}

/**
 * The item a section has open in its form, or "new", and `opened`, the form's key: it counts the
 * times a form was opened, so that saving a new item keeps the same form (and its "Saved.").
 */
export function useOpenItem<T>(reload: () => void) {
  const [editing, setEditing] = useState<T | "new" | null>(null);
  const [opened, setOpened] = useState(0);
  return {
    editing,
    opened,
    open: (item: T | "new") => (setOpened((n) => n + 1), setEditing(item)),
    saved: (item: T) => {
      setEditing(item);
      reload();
    },
    back: () => {
      setEditing(null);
      reload();
    },
  };
}
