// One queue's name and every routing parameter, grouped as the reference product groups them.
import { useState } from "preact/hooks";
import { routingMessageFields } from "../../../src/domain/routing-config.ts";
import { request } from "../api";
import { CheckboxField, Group, NumberField, SelectField, TextField } from "./form";
import { HoursEditor, type BusinessHours } from "./hours-editor";
import { choiceLabel, queueGroups, routingDefaults, routingFields, type RoutingField } from "./queue-fields";
import { ActionPlanEditor, type ActionPlan, type Choice } from "./queue-plan";
import { SaveActions, useSave } from "./save";
import { braces, MessageField, type MessageValue, type Template } from "./template-choice";

export type QueueView = { id: string; name: string; routing: Record<string, unknown>; createdAt: number; updatedAt: number };

type Translation = { provider: "none" } | { provider: "libretranslate"; url: string; agentLanguage: string; translateReplies?: boolean };

function TranslationEditor({ value, onChange, errorAt, readOnly }: { value: Translation; onChange(t: Translation): void; errorAt(p: string): string | undefined; readOnly?: boolean }) {
  const path = "routing.translation";
  return (
    <>
      <SelectField
        label="Translation Provider"
        value={value.provider}
        disabled={readOnly}
        error={errorAt(path)}
        options={[
          { value: "none", label: "None" },
          { value: "libretranslate", label: "LibreTranslate" },
        ]}
        onChange={(p) => onChange(p === "none" ? { provider: "none" } : { provider: "libretranslate", url: "", agentLanguage: "en", translateReplies: true })}
      />
      {value.provider === "libretranslate" && (
        <>
          <TextField label="LibreTranslate URL" type="url" value={value.url} readOnly={readOnly} maxLength={500} error={errorAt(`${path}.url`)} onInput={(url) => onChange({ ...value, url })} />
          <TextField label="Agents' language" value={value.agentLanguage} readOnly={readOnly} error={errorAt(`${path}.agentLanguage`)} hint="ISO 639 code, e.g. en" onInput={(agentLanguage) => onChange({ ...value, agentLanguage })} />
          <CheckboxField label="Translate replies" checked={value.translateReplies !== false} disabled={readOnly} onChange={(translateReplies) => onChange({ ...value, translateReplies })} />
        </>
      )}
    </>
  );
}

/** The range, unit and default of a number parameter, as the schema has them. */
function numberHint(f: RoutingField) {
  const parts = [f.min !== undefined && f.max !== undefined ? `${f.min.toLocaleString("en")}–${f.max.toLocaleString("en")}` : "", f.unit ?? "", f.defaultValue !== undefined ? `(default ${f.defaultValue})` : ""];
  return [`${parts.filter(Boolean).join(" ")}.`, f.hint ?? ""].filter(Boolean).join(" ");
}

export function QueueForm({
  token,
  queue,
  queues,
  agents,
  templates,
  readOnly,
  onSaved,
  onCancel,
}: {
  token: string;
  queue: QueueView | null;
  queues: Choice[];
  agents: Choice[];
  templates: Template[] | null;
  readOnly: boolean;
  onSaved(q: QueueView): void;
  onCancel(): void;
}) {
  const [name, setName] = useState(queue?.name ?? "");
  const [routing, setRouting] = useState<Record<string, unknown>>(() => ({ ...routingDefaults(), ...(queue?.routing ?? {}) }));
  const saving = useSave();
  const errorAt = (p: string) => saving.errors[p];
  const set = (key: string, v: unknown) => {
    saving.edited();
    setRouting((r) => ({ ...r, [key]: v }));
  };
  const planChoices = queue ? [{ id: queue.id, name: `${queue.name} (this queue)` }, ...queues.filter((q) => q.id !== queue.id)] : queues;

  const save = (e: Event) => {
    // An emptied number field is left out: the API fills in its default.
    const body = { name, routing: Object.fromEntries(Object.entries(routing).filter(([, v]) => v !== undefined)) };
    return saving.submit(
      e,
      () => request<QueueView>(queue ? `/api/v1/queues/${queue.id}` : "/api/v1/queues", { method: queue ? "PATCH" : "POST", token, body: JSON.stringify(body) }),
      (result) => {
        setRouting({ ...routingDefaults(), ...result.routing });
        onSaved(result);
      },
    );
  };

  const field = (f: RoutingField) => {
    const v = routing[f.key];
    const at = `routing.${f.key}`;
    switch (f.kind) {
      case "number":
        return (
          <NumberField
            key={f.key}
            label={f.label}
            value={v as number | undefined}
            min={f.min}
            max={f.max}
            unit={f.unit}
            defaultValue={f.defaultValue as number | undefined}
            hint={numberHint(f)}
            readOnly={readOnly}
            error={errorAt(at)}
            onInput={(n) => set(f.key, n)}
          />
        );
      case "boolean":
        return <CheckboxField key={f.key} label={f.label} checked={v === true} disabled={readOnly} hint={f.hint} error={errorAt(at)} onChange={(b) => set(f.key, b)} />;
      case "choice":
        return (
          <SelectField
            key={f.key}
            label={f.label}
            value={String(v ?? f.defaultValue)}
            disabled={readOnly}
            hint={[f.hint, `Default ${choiceLabel(String(f.defaultValue))}.`].filter(Boolean).join(" ")}
            error={errorAt(at)}
            options={(f.options ?? []).map((o) => ({ value: o, label: choiceLabel(o) }))}
            onChange={(o) => set(f.key, o)}
          />
        );
      case "message":
        return (
          <MessageField
            key={f.key}
            label={f.label}
            value={(v as MessageValue | undefined) ?? ""}
            templates={templates}
            maxLength={f.maxLength}
            readOnly={readOnly}
            error={errorAt(at) ?? errorAt(`${at}.templateId`)}
            hint={`Sent when Session Timeout ends a conversation; up to ${f.maxLength ?? 1000} characters. Empty: none is sent. Variables: ${braces(routingMessageFields[0]?.allowed ?? [])}.`}
            onChange={(m) => set(f.key, m)}
          />
        );
      case "text":
        return (
          <TextField
            key={f.key}
            label={f.label}
            value={String(v ?? "")}
            type={f.key === "logoUrl" ? "url" : "text"}
            multiline={f.key === "notes"}
            maxLength={f.maxLength}
            readOnly={readOnly}
            hint={[f.hint, f.maxLength !== undefined ? `Up to ${f.maxLength} characters` : ""].filter(Boolean).join(" ")}
            error={errorAt(at)}
            onInput={(t) => set(f.key, t)}
          />
        );
      case "custom":
        if (f.key === "actionPlan")
          return <ActionPlanEditor key={f.key} value={v as ActionPlan} onChange={(p) => set(f.key, p)} errorAt={errorAt} queues={planChoices} agents={agents} readOnly={readOnly} />;
        if (f.key === "translation") return <TranslationEditor key={f.key} value={v as Translation} onChange={(t) => set(f.key, t)} errorAt={errorAt} readOnly={readOnly} />;
        return (
          <HoursEditor
            key={f.key}
            value={v as BusinessHours | null}
            onChange={(h) => set(f.key, h)}
            path={at}
            errorAt={errorAt}
            ownLabel="The queue has its own business hours (otherwise its accounts')"
            readOnly={readOnly}
          />
        );
    }
  };

  return (
    <form class="admin-form" aria-label={queue ? `Queue ${queue.name}` : "New queue"} noValidate onSubmit={save}>
      <h3>{queue ? `Queue ${queue.name}` : "New queue"}</h3>
      {queueGroups.map((g) => {
        const fields = routingFields.filter((f) => f.group === g);
        if (fields.length === 0 && g !== "General") return null;
        return (
          <Group key={g} title={g}>
            {g === "General" && <TextField label="Name" value={name} required maxLength={100} readOnly={readOnly} error={errorAt("name")} onInput={setName} />}
            {fields.map(field)}
          </Group>
        );
      })}
      <SaveActions label={queue ? "Save queue" : "Create queue"} readOnly={readOnly} state={saving}>
        <button type="button" onClick={onCancel}>
          {readOnly ? "Back to queues" : "Cancel"}
        </button>
      </SaveActions>
    </form>
  );
}
