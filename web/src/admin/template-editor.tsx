// One template of the library: name, description, body, a live preview with sample values.
import { useEffect, useState } from "preact/hooks";
import { ApiFailure, request } from "../api";
import { Group, TextField } from "./form";
import { SaveActions, useSave } from "./save";
import { templateVariables } from "../../../src/domain/templates.ts";
import { braces, placeOf, type Template } from "./template-choice";

type Preview = { text: string; variables: string[] };

/** Renders the body through the API (POST /templates/preview) shortly after each change. */
function usePreview(token: string, body: string, values: Record<string, string>) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const valuesKey = JSON.stringify(values);
  useEffect(() => {
    if (!body) {
      setPreview(null);
      setProblem(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      const filled = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ""));
      const ask = Object.keys(filled).length ? { body, values: filled } : { body };
      request<Preview>("/api/v1/templates/preview", { method: "POST", token, body: JSON.stringify(ask) })
        .then((p) => live && (setPreview(p), setProblem(null)))
        .catch((e: unknown) => {
          if (!live) return;
          const fields = e instanceof ApiFailure ? e.fieldErrors() : {};
          setProblem(fields.body ?? (e instanceof ApiFailure ? e.message : String(e)));
        });
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [token, body, valuesKey]);
  return { preview, problem };
}

export function TemplateEditor({ token, template, readOnly, onSaved, onCancel }: { token: string; template: Template | null; readOnly: boolean; onSaved(t: Template): void; onCancel(): void }) {
  const [name, setName] = useState(template?.name ?? "");
  const [description, setDescription] = useState(template?.description ?? "");
  const [body, setBody] = useState(template?.body ?? "");
  const [values, setValues] = useState<Record<string, string>>({});
  const saving = useSave();
  const { errors, edited } = saving;
  const { preview, problem } = usePreview(token, body, values);

  const save = (e: Event) =>
    saving.submit(
      e,
      () =>
        request<Template>(template ? `/api/v1/templates/${template.id}` : "/api/v1/templates", {
          method: template ? "PATCH" : "POST",
          token,
          body: JSON.stringify({ name, description, body }),
        }),
      onSaved,
    );

  return (
    <form class="admin-form template-editor" aria-label={template ? `Template ${template.name}` : "New template"} noValidate onSubmit={save}>
      <h3>{template ? `Template ${template.name}` : "New template"}</h3>
      <div class="editor-columns">
        <div>
          <TextField label="Name" value={name} required maxLength={80} readOnly={readOnly} error={errors.name} hint="Unique, up to 80 characters" onInput={(v) => (edited(), setName(v))} />
          <TextField label="Description" value={description} maxLength={500} readOnly={readOnly} error={errors.description} onInput={(v) => (edited(), setDescription(v))} />
          <TextField
            label="Body"
            multiline
            value={body}
            maxLength={4096}
            readOnly={readOnly}
            error={errors.body}
            hint={`Variables: ${braces(templateVariables)}. Each automatic message offers some of them, listed where it is chosen.`}
            onInput={(v) => (edited(), setBody(v))}
          />
          {template && template.usedBy.length > 0 && (
            <p class="hint">
              Used by {template.usedBy.map(placeOf).join(", ")}: a change reaches the next message sent there.
            </p>
          )}
        </div>
        <Group title="Preview">
          {preview && preview.variables.length > 0 && (
            <div class="sample-values">
              {preview.variables.map((v) => (
                <TextField key={v} label={`Sample ${v}`} value={values[v] ?? ""} placeholder="sample value" onInput={(x) => setValues((all) => ({ ...all, [v]: x }))} />
              ))}
            </div>
          )}
          <output class="preview-text" aria-label="Preview" aria-live="polite" for="">
            {problem ? <span class="field-error">{problem}</span> : preview ? preview.text : <span class="empty">Write a body to see it with sample values.</span>}
          </output>
        </Group>
      </div>
      <SaveActions label={template ? "Save template" : "Create template"} readOnly={readOnly} state={saving}>
        <button type="button" onClick={onCancel}>
          {readOnly ? "Back to templates" : "Close"}
        </button>
      </SaveActions>
    </form>
  );
}
