import { useEffect, useState } from "preact/hooks";
import { conversationMessageFields } from "../../../src/domain/conversation-settings.ts";
import { ApiFailure, request } from "../api";
import { providerForms, type ProviderKind } from "./account-providers";
import type { SectionProps } from "./admin";
import { RevealedOnce } from "./account-setup";
import { CheckboxField, Group, NumberField, SelectField, TextField } from "./form";
import { HoursEditor, type BusinessHours } from "./hours-editor";
import { SaveActions, useSave } from "./save";
import { Listing } from "./section";
import { AlertLine } from "../notices";
import { MessageField, useTemplates, braces, type MessageValue } from "./template-choice";

type Conversation = {
  multipleConversations: boolean;
  commands: { newTicket: string; switchTicket: string; listTickets: string };
  listShowsSubject: boolean;
  reassignAbandoned: boolean;
  displayNameFormat: "none" | "first" | "full";
  supervisorsMayDelete: boolean;
  businessHours: BusinessHours | null;
  messages: Record<MessageKey, MessageValue>;
  commandAnswers: Record<string, MessageValue>;
  queuePositionEveryS: number;
  chatbot: { url: string; timeoutMs?: number } | null;
  notification: { template: string; sound: boolean; shake: boolean };
  [other: string]: unknown;
};
type Account = { id: string; name: string; provider: string; conversation: Conversation; chatbotSecretSet: boolean };

/** The variables an automatic message offers, as the API checks them. */
const allowedIn = (group: "messages" | "commandAnswers", key: string) => conversationMessageFields.find((f) => f.path[0] === group && f.path[1] === key)?.allowed ?? [];

type MessageKey = "welcome" | "newConversation" | "outOfHours" | "away" | "queuePosition";
const messages: { key: MessageKey; label: string; hint: string }[] = [
  { key: "welcome", label: "Welcome message", hint: "Sent on a new contact's first message." },
  { key: "newConversation", label: "New conversation message", hint: "Sent when a conversation starts." },
  { key: "outOfHours", label: "Out of hours message", hint: "Sent outside business hours." },
  { key: "away", label: "Away message", hint: "Sent when no agent is online." },
  { key: "queuePosition", label: "Queue position message", hint: "Tells a waiting customer their place, e.g. {{queue.position}}." },
];
const commandAnswers: { key: string; label: string }[] = [
  { key: "newTicket", label: "Answer to the new ticket command" },
  { key: "ticketSwitched", label: "Answer when switching ticket" },
  { key: "ticketNotFound", label: "Answer when a ticket is not found" },
  { key: "switchUsage", label: "How to use the switch command" },
  { key: "ticketList", label: "The list of open tickets" },
  { key: "noOpenTickets", label: "Answer when no tickets are open" },
];

/** One account's conversation settings: commands, chatbot, automatic messages, business hours. */
function SettingsForm({ token, account, readOnly, onSaved }: { token: string; account: Account; readOnly: boolean; onSaved(a: Account): void }) {
  const [conv, setConv] = useState<Conversation>(account.conversation);
  const saving = useSave();
  const { errors } = saving;
  const [secret, setSecret] = useState<string | null>(null);
  const templates = useTemplates(token);
  const at = (p: string) => errors[`conversation.${p}`];
  const update = (patch: Partial<Conversation>) => {
    saving.edited();
    setConv((c) => ({ ...c, ...patch }));
  };

  const save = (e: Event) =>
    saving.submit(
      e,
      // The API replaces the settings as a whole: what this form does not show (dispositions) goes back as it came.
      () =>
        request<Account & { revealed?: { chatbotSecret?: string } }>(`/api/v1/accounts/${account.id}`, {
          method: "PATCH",
          token,
          body: JSON.stringify({ conversation: conv }),
        }),
      (result) => {
        setConv(result.conversation);
        if (result.revealed?.chatbotSecret) setSecret(result.revealed.chatbotSecret);
        onSaved(result);
      },
    );

  return (
    <form class="admin-form" aria-label={`Conversation settings of ${account.name}`} noValidate onSubmit={save}>
      <Group title="Automatic messages">
        <p class="hint">Each message is inline text or a template of the library. Variables: {braces(allowedIn("messages", "welcome"))}.</p>
        {messages.map((m) => (
          <MessageField
            key={m.key}
            label={m.label}
            hint={`${m.hint} Empty: none is sent.`}
            value={conv.messages[m.key]}
            templates={templates}
            readOnly={readOnly}
            maxLength={1000}
            error={at(`messages.${m.key}`) ?? at(`messages.${m.key}.templateId`)}
            onChange={(v) => update({ messages: { ...conv.messages, [m.key]: v } })}
          />
        ))}
        <NumberField
          label="Repeat the queue position every"
          unit="s"
          min={0}
          max={3600}
          defaultValue={0}
          hint="0–3600 s (default 0: only on arrival)"
          value={conv.queuePositionEveryS}
          readOnly={readOnly}
          error={at("queuePositionEveryS")}
          onInput={(n) => update({ queuePositionEveryS: n ?? 0 })}
        />
      </Group>
      <Group title="Customer commands">
        <CheckboxField
          label="Multiple conversations (customers may hold several open tickets and use the commands)"
          checked={conv.multipleConversations}
          disabled={readOnly}
          error={at("multipleConversations")}
          onChange={(multipleConversations) => update({ multipleConversations })}
        />
        {(["newTicket", "switchTicket", "listTickets"] as const).map((k) => (
          <TextField
            key={k}
            label={{ newTicket: "New ticket command", switchTicket: "Switch ticket command", listTickets: "List tickets command" }[k]}
            value={conv.commands[k]}
            readOnly={readOnly}
            maxLength={32}
            error={at(`commands.${k}`)}
            hint="A slash and a word, e.g. /new"
            onInput={(v) => update({ commands: { ...conv.commands, [k]: v } })}
          />
        ))}
        <p class="hint">
          The answers' variables: {braces(allowedIn("commandAnswers", "newTicket"))}; the list of open tickets also {"{{tickets}}"}.
        </p>
        <CheckboxField label="The ticket list shows each ticket's subject" checked={conv.listShowsSubject} disabled={readOnly} onChange={(listShowsSubject) => update({ listShowsSubject })} />
        {commandAnswers.map((a) => (
          <MessageField
            key={a.key}
            label={a.label}
            hint="Always sent when the command is used."
            maxLength={1000}
            value={conv.commandAnswers[a.key] ?? ""}
            templates={templates}
            readOnly={readOnly}
            error={at(`commandAnswers.${a.key}`) ?? at(`commandAnswers.${a.key}.templateId`)}
            onChange={(v) => update({ commandAnswers: { ...conv.commandAnswers, [a.key]: v } })}
          />
        ))}
      </Group>
      <Group title="Chatbot">
        <CheckboxField
          label="A chatbot answers first"
          checked={conv.chatbot !== null}
          disabled={readOnly}
          hint={account.chatbotSecretSet ? "Requests to it are signed (a secret is set)." : undefined}
          onChange={(on) => update({ chatbot: on ? { url: "", timeoutMs: 3000 } : null })}
        />
        {conv.chatbot && (
          <>
            <TextField label="Chatbot URL" type="url" maxLength={500} value={conv.chatbot.url} readOnly={readOnly} error={at("chatbot.url")} onInput={(url) => update({ chatbot: { ...conv.chatbot!, url } })} />
            <NumberField
              label="Chatbot timeout"
              unit="ms"
              min={500}
              max={10000}
              defaultValue={3000}
              value={conv.chatbot.timeoutMs}
              readOnly={readOnly}
              error={at("chatbot.timeoutMs")}
              onInput={(timeoutMs) => update({ chatbot: { ...conv.chatbot!, timeoutMs } })}
            />
          </>
        )}
      </Group>
      <Group title="Agents">
        <SelectField
          label="Agent's name on replies"
          value={conv.displayNameFormat}
          disabled={readOnly}
          options={[
            { value: "none", label: "Not shown" },
            { value: "first", label: "First name" },
            { value: "full", label: "Full name" },
          ]}
          onChange={(displayNameFormat) => update({ displayNameFormat })}
        />
        <CheckboxField label="Conversations of a disconnected agent go back to the queue" checked={conv.reassignAbandoned} disabled={readOnly} onChange={(reassignAbandoned) => update({ reassignAbandoned })} />
        <CheckboxField label="Supervisors may delete tickets and erase contacts" checked={conv.supervisorsMayDelete} disabled={readOnly} onChange={(supervisorsMayDelete) => update({ supervisorsMayDelete })} />
        <TextField
          label="New conversation notification"
          multiline
          value={conv.notification.template}
          readOnly={readOnly}
          maxLength={1000}
          error={at("notification.template")}
          onInput={(template) => update({ notification: { ...conv.notification, template } })}
        />
        <CheckboxField label="Notification sound" checked={conv.notification.sound} disabled={readOnly} onChange={(sound) => update({ notification: { ...conv.notification, sound } })} />
        <CheckboxField label="Notification shake" checked={conv.notification.shake} disabled={readOnly} onChange={(shake) => update({ notification: { ...conv.notification, shake } })} />
      </Group>
      <Group title="Business hours">
        <HoursEditor
          value={conv.businessHours}
          onChange={(businessHours) => update({ businessHours })}
          path="conversation.businessHours"
          errorAt={(p) => errors[p]}
          ownLabel="The account has business hours (otherwise always open)"
          readOnly={readOnly}
        />
      </Group>
      <SaveActions label="Save conversation settings" readOnly={readOnly} state={saving} />
      {secret && <RevealedOnce revealed={{ chatbotSecret: secret }} labelOf={() => "Chatbot signing secret"} onDismiss={() => setSecret(null)} />}
    </form>
  );
}

/** Conversation settings, per account (supervisors read them). */
export function ConversationSettings({ token, role }: SectionProps) {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [selected, setSelected] = useState<string>("");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    request<{ items: Account[] }>("/api/v1/accounts", { token })
      .then((r) => {
        setAccounts(r.items);
        setSelected((s) => s || r.items[0]?.id || "");
      })
      .catch((e: unknown) => setError(e instanceof ApiFailure ? e.message : String(e)));
  }, [token]);
  const account = accounts?.find((a) => a.id === selected);
  return (
    <section class="admin-list" aria-labelledby="conv-title">
      <h2 id="conv-title">Conversation settings</h2>
      <AlertLine text={error} class="banner error" />
      <Listing items={accounts} loading={error ? null : "Loading…"} empty="No accounts yet: connect one under Accounts.">
        {(accounts) => (
          <>
            <SelectField label="Account" value={selected} options={accounts.map((a) => ({ value: a.id, label: `${a.name} (${providerForms[a.provider as ProviderKind]?.label ?? a.provider})` }))} onChange={setSelected} />
            {role !== "admin" && <p class="hint">Read-only: only admins change conversation settings.</p>}
            {account && (
              <SettingsForm
                key={account.id}
                token={token}
                account={account}
                readOnly={role !== "admin"}
                onSaved={(a) => setAccounts((all) => all?.map((x) => (x.id === a.id ? a : x)) ?? null)}
              />
            )}
          </>
        )}
      </Listing>
    </section>
  );
}
