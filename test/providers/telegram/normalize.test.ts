import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors";
import { normalizeTelegramUpdate } from "../../../src/providers/telegram/normalize";
import type { InboundEvent } from "../../../src/providers/types";
import callbackQuery from "../../fixtures/telegram/callback-query.json";
import channelPost from "../../fixtures/telegram/channel-post.json";
import editedMessage from "../../fixtures/telegram/edited-message.json";
import groupMessage from "../../fixtures/telegram/group-message.json";
import myChatMember from "../../fixtures/telegram/my-chat-member.json";
import animation from "../../fixtures/telegram/private-animation.json";
import contact from "../../fixtures/telegram/private-contact.json";
import documentMsg from "../../fixtures/telegram/private-document.json";
import location from "../../fixtures/telegram/private-location.json";
import photo from "../../fixtures/telegram/private-photo.json";
import sticker from "../../fixtures/telegram/private-sticker.json";
import privateText from "../../fixtures/telegram/private-text.json";
import venue from "../../fixtures/telegram/private-venue.json";
import voice from "../../fixtures/telegram/private-voice.json";

const ayse = {
  externalId: "412345678",
  address: "412345678",
  displayName: "Ayşe Yılmaz",
  username: "ayse_y",
  language: "tr",
};

function only(body: unknown): InboundEvent {
  const events = normalizeTelegramUpdate(body);
  expect(events).toHaveLength(1);
  return events[0]!;
}

/** A private message around `extra`, for mappings without a fixture of their own. */
function privateMessage(extra: Record<string, unknown>, from: Record<string, unknown> = { id: 55, first_name: "Ali" }) {
  return {
    update_id: 9,
    message: { message_id: 3, from: { is_bot: false, ...from }, chat: { id: from.id, type: "private" }, date: 1700000000, ...extra },
  };
}

function attachmentsOf(body: unknown) {
  const event = only(body);
  if (event.kind !== "message" && event.kind !== "edit") throw new Error(`not a message: ${event.kind}`);
  return event.attachments;
}

describe("normalizeTelegramUpdate: messages", () => {
  it("maps a private text message with non-ASCII and emoji", () => {
    expect(only(privateText)).toEqual({
      kind: "message",
      eventKey: "update:718234501",
      providerMessageId: "412345678:1024",
      contact: ayse,
      text: "Merhaba, siparişim nerede? 📦",
      attachments: [],
      sentAt: 1767261600_000,
    });
  });

  it("takes the last (largest) photo size and the caption as text", () => {
    const event = only(photo);
    expect(event).toMatchObject({ kind: "message", providerMessageId: "412345678:1025", text: "Kutu hasarlı geldi 😞" });
    expect(attachmentsOf(photo)).toEqual([
      { kind: "image", ref: "AgACAgIAAxkBAAIEAWZ1large", width: 1280, height: 960, size: 88213 },
    ]);
  });

  it("maps a document to a file with its name, type and size", () => {
    expect(only(documentMsg)).toMatchObject({ kind: "message", text: "" });
    expect(attachmentsOf(documentMsg)).toEqual([
      { kind: "file", ref: "BQACAgIAAxkBAAIEAmZ1pdf", name: "fatura-2026-001.pdf", mimeType: "application/pdf", size: 254310 },
    ]);
  });

  it("maps a voice note to audio", () => {
    expect(attachmentsOf(voice)).toEqual([
      { kind: "audio", ref: "AwACAgIAAxkBAAIEA2Z1voice", mimeType: "audio/ogg", size: 30512, durationS: 7 },
    ]);
  });

  it("maps an audio file to audio, named by file name or title", () => {
    const audio = { file_id: "CQAD", file_unique_id: "u", duration: 200, title: "Jingle", mime_type: "audio/mpeg", file_size: 4000 };
    expect(attachmentsOf(privateMessage({ audio }))).toEqual([
      { kind: "audio", ref: "CQAD", name: "Jingle", mimeType: "audio/mpeg", size: 4000, durationS: 200 },
    ]);
  });

  it("maps a video and a video note to video", () => {
    const video = {
      file_id: "BAAD",
      file_unique_id: "u",
      width: 1920,
      height: 1080,
      duration: 12,
      file_name: "kutu.mp4",
      mime_type: "video/mp4",
      file_size: 900000,
    };
    expect(attachmentsOf(privateMessage({ video, caption: "bakın" }))).toEqual([
      { kind: "video", ref: "BAAD", name: "kutu.mp4", mimeType: "video/mp4", size: 900000, width: 1920, height: 1080, durationS: 12 },
    ]);
    const video_note = { file_id: "DQAD", file_unique_id: "u", length: 240, duration: 5, file_size: 5000 };
    expect(attachmentsOf(privateMessage({ video_note }))).toEqual([
      { kind: "video", ref: "DQAD", size: 5000, width: 240, height: 240, durationS: 5 },
    ]);
  });

  it("maps an animation to one video, not also to the document Telegram duplicates it into", () => {
    expect(attachmentsOf(animation)).toEqual([
      {
        kind: "video",
        ref: "CgACAgQAAxkBAAIEB2Z1gif",
        name: "mp4.mp4",
        mimeType: "video/mp4",
        size: 131072,
        width: 320,
        height: 240,
        durationS: 3,
      },
    ]);
  });

  it("maps a sticker with its emoji as name", () => {
    expect(attachmentsOf(sticker)).toEqual([
      {
        kind: "sticker",
        ref: "CAACAgIAAxkBAAIEBmZ1sticker",
        name: "👍",
        mimeType: "application/x-tgsticker",
        size: 28314,
        width: 512,
        height: 512,
      },
    ]);
  });

  it("maps a location to `lat,long`", () => {
    expect(attachmentsOf(location)).toEqual([{ kind: "location", ref: "41.008238,28.978359" }]);
  });

  it("maps a venue to one location named by its title", () => {
    expect(attachmentsOf(venue)).toEqual([{ kind: "location", ref: "41.0082,28.9784", name: "Ayasofya" }]);
  });

  it("maps a shared contact: name and phone", () => {
    expect(attachmentsOf(contact)).toEqual([{ kind: "contact", ref: "+905321234567", name: "Mehmet Demir" }]);
  });

  it("records a poll as an 'other' attachment rather than an empty message", () => {
    const poll = { id: "1", question: "?", options: [], total_voter_count: 0, is_closed: false, is_anonymous: true, type: "regular" };
    expect(attachmentsOf(privateMessage({ poll }))).toEqual([{ kind: "other", name: "poll" }]);
  });

  it("maps an edited message to an edit of the same provider message id", () => {
    expect(only(editedMessage)).toEqual({
      kind: "edit",
      eventKey: "update:718234505",
      providerMessageId: "412345678:1024",
      contact: ayse,
      text: "Merhaba, 1042 numaralı siparişim nerede? 📦",
      attachments: [],
      editedAt: 1767261645_000,
    });
  });
});

describe("normalizeTelegramUpdate: contact names", () => {
  const contactOf = (from: Record<string, unknown>) => {
    const event = only(privateMessage({ text: "hi" }, from));
    if (event.kind !== "message") throw new Error(`not a message: ${event.kind}`);
    return event.contact;
  };

  it("uses the first name alone when there is no last name, and omits absent fields", () => {
    expect(contactOf({ id: 55, first_name: "Ali" })).toEqual({ externalId: "55", address: "55", displayName: "Ali" });
  });

  it("falls back to the username, then to the id", () => {
    expect(contactOf({ id: 56, first_name: "", username: "ali_k" }).displayName).toBe("ali_k");
    expect(contactOf({ id: 57, first_name: "" }).displayName).toBe("57");
  });
});

describe("normalizeTelegramUpdate: ignored updates", () => {
  it.each([
    ["a group message", groupMessage, "update:718234520", /message in a supergroup chat/],
    ["a callback query", callbackQuery, "update:718234521", /^callback_query update$/],
    ["a channel post", channelPost, "update:718234522", /^channel_post update$/],
    ["a my_chat_member change (bot blocked)", myChatMember, "update:718234523", /^my_chat_member update$/],
    ["an update kind Telegram adds later", { update_id: 5, future_thing: {} }, "update:5", /^future_thing update$/],
  ])("ignores %s with a description", (_, body, eventKey, description) => {
    const event = only(body);
    expect(event).toEqual({ kind: "ignored", eventKey, description: expect.stringMatching(description) });
  });

  it("ignores a private message without a sender", () => {
    const body = { update_id: 6, message: { message_id: 1, chat: { id: 5, type: "private" }, date: 1, text: "x" } };
    expect(only(body)).toEqual({ kind: "ignored", eventKey: "update:6", description: "message without a sender" });
  });

  it("ignores a private service message with no content the hub shows", () => {
    const body = privateMessage({ pinned_message: { message_id: 1, chat: { id: 55, type: "private" }, date: 0 } });
    expect(only(body)).toMatchObject({ kind: "ignored", eventKey: "update:9" });
  });

  it("ignores an edit in a group", () => {
    const body = { update_id: 8, edited_message: { ...groupMessage.message, edit_date: 1767262300 } };
    expect(only(body)).toMatchObject({ kind: "ignored", description: expect.stringMatching(/^edited message in a supergroup/) });
  });
});

describe("normalizeTelegramUpdate: malformed payloads", () => {
  function rejects(body: unknown): ApiError {
    try {
      normalizeTelegramUpdate(body);
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      const e = err as ApiError;
      expect(e.status).toBe(400);
      expect(e.code).toBe("malformed_payload");
      expect(Array.isArray(e.details)).toBe(true);
      return e;
    }
    throw new Error("expected a malformed_payload error");
  }

  it.each([
    ["null", null],
    ["a string", "update"],
    ["an array", [privateText]],
    ["an object without update_id", { message: privateText.message }],
    ["a non-integer update_id", { update_id: "718234501", message: privateText.message }],
  ])("rejects %s", (_, body) => {
    rejects(body);
  });

  it("rejects a message without chat and names the path", () => {
    const { chat: _, ...noChat } = privateText.message;
    const err = rejects({ update_id: 1, message: noChat });
    expect(err.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: ["message", "chat"] })]));
  });

  it("rejects a photo size without file_id", () => {
    rejects(privateMessage({ photo: [{ width: 1, height: 1 }] }));
  });
});
