import { useEffect, useState } from "preact/hooks";
import { ApiFailure, request } from "../api";
import type { SectionProps } from "./admin";
import { placeOf as place, type Template } from "./template-choice";
import { TemplateEditor } from "./template-editor";
import { BackButton, ListTable, SectionHead, useOpenItem } from "./section";
import { AlertLine } from "../notices";

type Refusal = { name: string; message: string; usedBy: Template["usedBy"] };


/** The template library: list with variables and where each is used, editor, delete (refused while in use). */
export function Templates({ token, role }: SectionProps) {
  const [items, setItems] = useState<Template[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const readOnly = role !== "admin";

  const load = () =>
    request<{ items: Template[] }>("/api/v1/templates", { token })
      .then((r) => (setItems(r.items), setError(null)))
      .catch((e: unknown) => setError(e instanceof ApiFailure ? e.message : String(e)));
  useEffect(() => void load(), [token]);
  const { editing, opened, open, saved, back } = useOpenItem<Template>(() => void load());

  async function remove(t: Template) {
    if (!confirm(`Delete the template "${t.name}"?`)) return;
    setRefusal(null);
    try {
      await request<null>(`/api/v1/templates/${t.id}`, { method: "DELETE", token });
      await load();
    } catch (err) {
      if (!(err instanceof ApiFailure)) throw err;
      const usedBy = (err.details as { usedBy?: Template["usedBy"] } | undefined)?.usedBy ?? [];
      setRefusal({ name: t.name, message: err.message, usedBy });
    }
  }

  if (editing) {
    return (
      <>
        <BackButton to="All templates" onClick={back} />
        <TemplateEditor
          key={opened}
          token={token}
          template={editing === "new" ? null : editing}
          readOnly={readOnly}
          onSaved={saved}
          onCancel={back}
        />
      </>
    );
  }

  return (
    <section class="admin-list" aria-labelledby="templates-title">
      <SectionHead title="Templates" titleId="templates-title" class="list-head" newLabel="New template" onNew={readOnly ? undefined : () => open("new")} />
      <p class="hint">Automatic messages (welcome, out of hours, queue position, session timeout…) may refer to one of these instead of keeping their own text.</p>
      <AlertLine text={error} class="banner error" />
      {refusal && (
        <div class="banner error refusal" role="alert">
          <p>
            “{refusal.name}” was not deleted: {refusal.message}
          </p>
          {refusal.usedBy.length > 0 && (
            <ul aria-label="Where it is used">
              {refusal.usedBy.map((u) => (
                <li key={`${u.kind}${u.id}${u.field}`}>{place(u)}</li>
              ))}
            </ul>
          )}
          <button type="button" onClick={() => setRefusal(null)}>
            Dismiss
          </button>
        </div>
      )}
      <ListTable items={items} loading={error ? null : "Loading…"} empty="No templates yet." label="Templates" wrap="table-scroll" columns={["Name", "Variables", "Used by"]}>
        {(t) => (
          <tr key={t.id}>
            <td>
              {t.name}
              {t.description && <small class="hint block">{t.description}</small>}
            </td>
            <td>{t.variables.length ? t.variables.map((v) => <code key={v}>{v}</code>) : "—"}</td>
            <td>{t.usedBy.length ? t.usedBy.map(place).join("; ") : "Not used"}</td>
            <td class="actions">
              <button type="button" onClick={() => open(t)}>
                {readOnly ? `View ${t.name}` : `Edit ${t.name}`}
              </button>
              {!readOnly && (
                <button type="button" onClick={() => void remove(t)}>
                  Delete {t.name}
                </button>
              )}
            </td>
          </tr>
        )}
      </ListTable>
    </section>
  );
}
