import type { AttachmentMeta, MessageStatus } from "../kinds/message";
import type { MessageView } from "../kinds/views";

/** A `messages` row as raw D1 returns it (snake_case columns). */
export type MessageRow = {
  id: number;
  ticket_id: number;
  direction: MessageView["direction"];
  body: string;
  attachments: string;
  status: MessageStatus;
  status_reason: string | null;
  author_id: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  reaction: string | null;
  /** Absent where a query did not select it. */
  client_msg_id?: string | null;
};

export function messageViewFromRow(row: MessageRow): MessageView {
  const view: MessageView = {
    id: row.id,
    ticketId: row.ticket_id,
    direction: row.direction,
    body: row.body,
    attachments: JSON.parse(row.attachments) as AttachmentMeta[],
    status: row.status,
    statusReason: row.status_reason,
    authorId: row.author_id,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
    reaction: row.reaction,
  };
  // The hub's own messages are keyed too (welcome:…, command answers): only an agent's id is the client's.
  if (row.client_msg_id && row.author_id !== null && (row.direction === "out" || row.direction === "note")) view.clientMsgId = row.client_msg_id;
  return view;
}
