// An automatic message: inline text, or a template of the library referred to by id.
import { useEffect, useState } from "preact/hooks";
import { request } from "../api";
import { SelectField, TextField } from "./form";

export type Template = {
  id: string;
  name: string;
  description: string;
  body: string;
  variables: string[];
  usedBy: { kind: "account" | "queue"; id: string; name: string; field: string }[];
  createdAt: number;
  updatedAt: number;
};

const fieldNames: Record<string, string> = {
  "conversation.messages.welcome": "welcome message",
  "conversation.messages.newConversation": "new conversation message",
  "conversation.messages.outOfHours": "out of hours message",
  "conversation.messages.away": "away message",
  "conversation.messages.queuePosition": "queue position message",
  "routing.sessionTimeoutMessage": "session timeout message",
};

/** "{{a}}, {{b}}" for a hint. */
export const braces = (vars: readonly string[]) => vars.map((v) => `{{${v}}}`).join(", ");

/** One place a template is used, in words: "Account Demo Bot: welcome message". */
export const placeOf = (u: Template["usedBy"][number]) =>
  `${u.kind === "account" ? "Account" : "Queue"} ${u.name}: ${fieldNames[u.field] ?? u.field}`;

/** What the API takes for an automatic message: inline text ("" for none) or `{templateId}`. */
export type MessageValue = string | { templateId: string };

/** The template library, or null while loading; [] when there is none (or the caller may not read it). */
export function useTemplates(token: string): Template[] | null {
  const [items, setItems] = useState<Template[] | null>(null);
  useEffect(() => {
    request<{ items: Template[] }>("/api/v1/templates", { token })
      .then((r) => setItems(r.items))
      .catch(() => setItems([]));
  }, [token]);
  return items;
}

/**
 * One automatic message. A select chooses "Inline text" or "Template"; the API's message for the
 * field (`error`) shows at whichever control is shown.
 */
export function MessageField({
  label,
  value,
  onChange,
  templates,
  error,
  hint,
  maxLength,
  readOnly,
}: {
  label: string;
  value: MessageValue;
  onChange(v: MessageValue): void;
  templates: Template[] | null;
  error?: string;
  hint?: string;
  maxLength?: number;
  readOnly?: boolean;
}) {
  const byTemplate = typeof value === "object";
  const [lastText, setLastText] = useState(typeof value === "string" ? value : "");
  return (
    <div class="message-field">
      <SelectField
        label={`${label} source`}
        value={byTemplate ? "template" : "inline"}
        disabled={readOnly}
        options={[
          { value: "inline", label: "Inline text" },
          { value: "template", label: "Template" },
        ]}
        onChange={(v) => {
          if (v === "inline") onChange(lastText);
          else onChange({ templateId: templates?.[0]?.id ?? "" });
        }}
      />
      {byTemplate ? (
        <>
          <SelectField
            label={`${label} template`}
            value={value.templateId}
            disabled={readOnly}
            error={error}
            hint={templates?.length === 0 ? "The library has no templates yet: add one under Templates." : preview(templates, value.templateId)}
            options={[
              ...(templates?.some((t) => t.id === value.templateId) ? [] : [{ value: value.templateId, label: value.templateId ? `(${value.templateId})` : "Choose a template" }]),
              ...(templates ?? []).map((t) => ({ value: t.id, label: t.name })),
            ]}
            onChange={(templateId) => onChange({ templateId })}
          />
        </>
      ) : (
        <TextField
          label={label}
          multiline
          value={value}
          readOnly={readOnly}
          maxLength={maxLength}
          error={error}
          hint={hint ?? "Empty: none is sent."}
          onInput={(v) => {
            setLastText(v);
            onChange(v);
          }}
        />
      )}
    </div>
  );
}

function preview(templates: Template[] | null, id: string): string | undefined {
  const t = templates?.find((x) => x.id === id);
  return t ? `“${t.body.length > 120 ? `${t.body.slice(0, 120)}…` : t.body}”` : undefined;
}
