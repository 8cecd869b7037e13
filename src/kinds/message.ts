// What a stored message is: its statuses and the attachment metadata kept of it.

export const messageStatuses = [
  "received",
  "queued",
  "sending",
  "sent",
  "delivered",
  "read",
  "failed",
] as const;
export type MessageStatus = (typeof messageStatuses)[number];

export const attachmentKinds = [
  "image",
  "audio",
  "video",
  "file",
  "sticker",
  "location",
  "contact",
  "share",
  "reel",
  /** An Instagram story mention: that it happened is kept, its media never is. */
  "story_mention",
  "other",
] as const;

export type AttachmentMeta = {
  kind: (typeof attachmentKinds)[number];
  /** Provider's reference to fetch the media (file_id, URL); never the bytes. */
  ref?: string;
  name?: string;
  mimeType?: string;
  size?: number;
  width?: number;
  height?: number;
  durationS?: number;
};
