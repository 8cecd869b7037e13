import { describeHours, isOpen } from "../domain/business-hours";
import type { ConversationSettings } from "../domain/conversation-settings";
import { firstName, formatWait, renderTemplate, waitMinutes, type TemplateVars } from "../domain/templates";

/** One automatic message to send: `key` makes it once per ticket (see storeSystemMessage). */
export type PlannedMessage = { key: string; template: string };

export type QueueStatus = { position: number; waiting: number; estimateS: number };

/** What the event that stored a customer message did. */
export type ArrivalFacts = {
  contactCreated: boolean;
  conversationCreated: boolean;
  conversationId: number | null;
};

/** Welcome (the contact's first message ever) and new conversation: due when the event created them. */
export function greetings(s: ConversationSettings, f: ArrivalFacts): PlannedMessage[] {
  const planned: PlannedMessage[] = [];
  if (f.contactCreated && s.messages.welcome) planned.push({ key: "welcome", template: s.messages.welcome });
  if (f.conversationCreated && f.conversationId !== null && s.messages.newConversation) {
    planned.push({ key: `conversation:${f.conversationId}`, template: s.messages.newConversation });
  }
  return planned;
}

/** Whether the account's business hours say closed at `at` (no hours: always open). */
export function closedAt(s: ConversationSettings, at: number): boolean {
  return s.businessHours !== null && !isOpen(s.businessHours, at);
}

/** Out of hours: once per conversation, for a message written while the hours say closed. */
export function outOfHours(s: ConversationSettings, conversationId: number | null, at: number): PlannedMessage[] {
  if (!s.messages.outOfHours || conversationId === null || !closedAt(s, at)) return [];
  return [{ key: `out-of-hours:${conversationId}`, template: s.messages.outOfHours }];
}

/** The queue position on arrival: once per conversation, only while the ticket waits. */
export function positionOnArrival(s: ConversationSettings, conversationId: number | null, status: QueueStatus | null): PlannedMessage[] {
  if (!s.messages.queuePosition || conversationId === null || status === null) return [];
  return [{ key: `position:${conversationId}:arrival`, template: s.messages.queuePosition }];
}

const QUEUE_VARIABLE = /\{\{\s*queue\.(position|wait|waitMinutes)\s*\}\}/;

/** Whether rendering these needs the ticket's place in the queue (one call to the queue's object). */
export function needsQueueStatus(planned: readonly PlannedMessage[]): boolean {
  return planned.some((p) => QUEUE_VARIABLE.test(p.template));
}

export type VariableSource = {
  contactName: string;
  ticketId: number;
  queueName: string;
  accountName: string;
  status: QueueStatus | null;
};

/** The variables offered before an agent takes the conversation; queue ones are "" unless the ticket waits. */
export function templateVars(s: ConversationSettings, v: VariableSource): Partial<TemplateVars> {
  return {
    "contact.name": v.contactName,
    "contact.firstName": firstName(v.contactName),
    "ticket.id": v.ticketId,
    "queue.name": v.queueName,
    "account.name": v.accountName,
    businessHours: s.businessHours ? describeHours(s.businessHours) : "",
    ...(v.status
      ? { "queue.position": v.status.position, "queue.waitMinutes": waitMinutes(v.status.estimateS), "queue.wait": formatWait(v.status.estimateS) }
      : {}),
  };
}

export function render(planned: readonly PlannedMessage[], vars: Partial<TemplateVars>): { key: string; text: string }[] {
  return planned.map((p) => ({ key: p.key, text: renderTemplate(p.template, vars) })).filter((m) => m.text.trim() !== "");
}
