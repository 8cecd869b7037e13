// Relative imports carry their .ts extension: a Node script may load this file as it is.
import { z } from "zod";
import { businessHoursSchema } from "./business-hours.ts";
import { automaticMessageSchema, templateSchema, withTemplateBodies, type MessageField, type TemplateBodies } from "./templates.ts";

/** A customer command as typed in the chat: a slash and a word ("/ticket"). */
const command = z.string().regex(/^\/[\p{L}\p{N}_-]{1,31}$/u, 'Expected a command such as "/ticket"');

/**
 * An automatic message: a template, "" for none, or a library template by id. Variables offered
 * depend on the moment it is sent.
 */
const optionalTemplate = (allowed: readonly string[]) => automaticMessageSchema(allowed);

const commandVariables = ["contact.name", "contact.firstName", "ticket.id", "account.name", "command"] as const;

/** Answers to customer commands: always sent, so each has a default (admins translate them); inline or a library template. */
const commandAnswer = (text: string, extra: readonly string[] = []) => automaticMessageSchema([...commandVariables, ...extra], text);

export const defaultCommandAnswers = {
  newTicket: "Your new ticket is #{{ticket.id}}. Write your message and an agent will be with you.",
  ticketSwitched: "Now continuing ticket #{{ticket.id}}.",
  ticketNotFound: "We couldn't find an open ticket #{{ticket.id}} of yours.",
  switchUsage: "Write {{command}} followed by a ticket number, e.g. {{command}} 1432.",
  ticketList: "Your open tickets (▶ is the one you are writing in):\n{{tickets}}\nTo continue another one, write {{command}} and its number.",
  noOpenTickets: "You have no open tickets.",
} as const;

const beforeAgent = ["contact.name", "contact.firstName", "ticket.id", "queue.name", "queue.position", "queue.waitMinutes", "queue.wait", "businessHours", "account.name"] as const;

/**
 * How a channel account's conversations behave: the customer's ticket commands, the hub's own
 * messages, what agents must do when closing. docs/conversations.md documents each field.
 */
export const conversationSettingsSchema = z
  .object({
    /** Customers may hold several open tickets and use the commands below. */
    multipleConversations: z.boolean().default(false),
    commands: z
      .object({ newTicket: command.default("/new"), switchTicket: command.default("/ticket"), listTickets: command.default("/tickets") })
      .strict()
      .default({ newTicket: "/new", switchTicket: "/ticket", listTickets: "/tickets" }),
    /** The ticket list shows each ticket's subject. */
    listShowsSubject: z.boolean().default(true),
    /** When the agent disconnects (past the queue's grace period), their conversations go back to the queue. */
    reassignAbandoned: z.boolean().default(true),
    /** How the agent's name is shown to the customer on replies. */
    displayNameFormat: z.enum(["none", "first", "full"]).default("none"),
    dispositions: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
    /** A ticket cannot be closed without one of `dispositions`. */
    mandatoryDisposition: z.boolean().default(false),
    /** Supervisors may delete this account's tickets and erase its contacts (admins always may). */
    supervisorsMayDelete: z.boolean().default(false),
    /** Business hours of the account; a queue's own hours take precedence. Null: always open. */
    businessHours: businessHoursSchema.nullable().default(null),
    messages: z
      .object({
        welcome: optionalTemplate(beforeAgent),
        newConversation: optionalTemplate(beforeAgent),
        outOfHours: optionalTemplate(beforeAgent),
        away: optionalTemplate(beforeAgent),
        queuePosition: optionalTemplate(beforeAgent),
      })
      .strict()
      .default({ welcome: "", newConversation: "", outOfHours: "", away: "", queuePosition: "" }),
    /** Answers to the customer commands; `{{ticket.id}}` is the ticket the command opened, switched to or asked for. */
    commandAnswers: z
      .object({
        newTicket: commandAnswer(defaultCommandAnswers.newTicket),
        ticketSwitched: commandAnswer(defaultCommandAnswers.ticketSwitched),
        ticketNotFound: commandAnswer(defaultCommandAnswers.ticketNotFound),
        switchUsage: commandAnswer(defaultCommandAnswers.switchUsage),
        ticketList: commandAnswer(defaultCommandAnswers.ticketList, ["tickets"]),
        noOpenTickets: commandAnswer(defaultCommandAnswers.noOpenTickets),
      })
      .strict()
      .default(defaultCommandAnswers),
    /** How often a waiting customer is told their position (0 = only on arrival, when `queuePosition` is set). */
    queuePositionEveryS: z.number().int().min(0).max(3600).default(0),
    /** Asked first about every customer message; may answer or hand the conversation to the queue. */
    chatbot: z
      .object({ url: z.url({ protocol: /^https?$/ }).max(500), timeoutMs: z.number().int().min(500).max(10_000).default(3000) })
      .strict()
      .nullable()
      .default(null),
    /** What agents' clients show for a new interaction. */
    notification: z
      .object({
        template: templateSchema(["contact.name", "queue.name", "account.name", "ticket.id", "source"]).default(
          "New conversation from {{contact.name}} ({{account.name}}) in {{queue.name}}",
        ),
        sound: z.boolean().default(true),
        shake: z.boolean().default(false),
      })
      .strict()
      .default({ template: "New conversation from {{contact.name}} ({{account.name}}) in {{queue.name}}", sound: true, shake: false }),
  })
  .strict()
  .refine((s) => !s.mandatoryDisposition || s.dispositions.length > 0, {
    message: "Mandatory Disposition needs at least one disposition",
    path: ["mandatoryDisposition"],
  });

/** The settings as stored and as the API takes and returns them: automatic messages may name library templates. */
export type StoredConversationSettings = z.output<typeof conversationSettingsSchema>;

type Texts<T> = { [K in keyof T]: string };

/** The settings as the code that sends messages sees them: every automatic message a plain text. */
export type ConversationSettings = Omit<StoredConversationSettings, "messages" | "commandAnswers"> & {
  messages: Texts<StoredConversationSettings["messages"]>;
  commandAnswers: Texts<StoredConversationSettings["commandAnswers"]>;
};

const messageKeys = ["welcome", "newConversation", "outOfHours", "away", "queuePosition"] as const;

/** Every automatic message that may name a library template, with the variables it offers. */
export const conversationMessageFields: readonly MessageField[] = [
  ...messageKeys.map((k) => ({ path: ["messages", k], allowed: beforeAgent })),
  ...(Object.keys(defaultCommandAnswers) as (keyof typeof defaultCommandAnswers)[]).map((k) => ({
    path: ["commandAnswers", k],
    allowed: k === "ticketList" ? [...commandVariables, "tickets"] : commandVariables,
  })),
];

/** The stored settings with each named template's body in its place ("" for a template that is gone). */
export function resolveConversationSettings(stored: StoredConversationSettings, bodies: TemplateBodies): ConversationSettings {
  return withTemplateBodies(stored, conversationMessageFields, bodies) as ConversationSettings;
}

export const defaultConversationSettings: ConversationSettings = resolveConversationSettings(conversationSettingsSchema.parse({}), {});
