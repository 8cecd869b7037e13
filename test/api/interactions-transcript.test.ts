import { env, exports } from "cloudflare:workers";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { BASE, call, seedAccount, seedQueue, seedUser } from "../helpers/api";

const STORY_URL = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=story-123&signature=abc";
// 2026-03-10T09:05:07Z: 12:05:07 in Istanbul (UTC+3), 10:05:07 in Berlin (UTC+1 in March).
const T0 = Date.UTC(2026, 2, 10, 9, 5, 7);

async function download(path: string, token?: string) {
  const res = await exports.default.fetch(`${BASE}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** A ticket with one message of every kind: a customer's (edited, translated, with an image), an agent's reply (delivered), a note, a system message, an unsent one, a story mention. */
async function seedHistory(opts: { accountZone?: string; queueZone?: string } = {}) {
  const queueId = await seedQueue();
  if (opts.queueZone) {
    await env.DB.prepare("UPDATE queues SET routing = json_set(routing, '$.businessHours', json(?2)) WHERE id = ?1")
      .bind(queueId, JSON.stringify({ timezone: opts.queueZone, windows: [], holidays: [] }))
      .run();
  }
  const account = await seedAccount(queueId);
  if (opts.accountZone) {
    await env.DB.prepare("UPDATE channel_accounts SET conversation = ?2, name = 'Destek <Hattı>' WHERE id = ?1")
      .bind(account.id, JSON.stringify({ businessHours: { timezone: opts.accountZone, windows: [], holidays: [] } }))
      .run();
  }
  const agent = await seedUser("agent", { queues: [queueId] });
  await env.DB.prepare("UPDATE users SET display_name = 'Ayşe Yılmaz' WHERE id = ?1").bind(agent.id).run();
  const contact = await env.DB.prepare(
    "INSERT INTO contacts (account_id, external_id, address, display_name, username) VALUES (?1, '+905551112233', '+905551112233', 'Zeynep \"Z\" Çelik', 'zeynep_c') RETURNING id",
  )
    .bind(account.id)
    .first<{ id: number }>();
  const ticket = await env.DB.prepare(
    "INSERT INTO tickets (account_id, contact_id, queue_id, status, assignee_id, subject, tags, disposition, created_at, closed_at) VALUES (?1, ?2, ?3, 'closed', ?4, '<b>İade</b> & kargo', '[\"vip\",\"iade\"]', 'Çözüldü', ?5, ?6) RETURNING id",
  )
    .bind(account.id, contact!.id, queueId, agent.id, T0, T0 + 3_600_000)
    .first<{ id: number }>();
  const ticketId = ticket!.id;
  const insert = (o: { direction: string; body: string; author?: string | null; status: string; reason?: string | null; attachments?: unknown[]; at: number; deletedAt?: number | null; editedAt?: number | null; reaction?: string | null }) =>
    env.DB.prepare(
      `INSERT INTO messages (account_id, ticket_id, direction, author_id, body, attachments, status, status_reason, provider_message_id, created_at, updated_at, edited_at, deleted_at, reaction)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13) RETURNING id`,
    )
      .bind(account.id, ticketId, o.direction, o.author ?? null, o.body, JSON.stringify(o.attachments ?? []), o.status, o.reason ?? null, crypto.randomUUID(), o.at, o.editedAt ?? null, o.deletedAt ?? null, o.reaction ?? null)
      .first<{ id: number }>();
  const customer = await insert({ direction: "in", body: "Merhaba <script>alert(1)</script> siparişim nerede? 📦", status: "received", attachments: [{ kind: "image", ref: "file-1", mimeType: "image/jpeg", size: 2048 }], at: T0, editedAt: T0 + 1000, reaction: "👍" });
  await env.DB.batch([
    env.DB.prepare("INSERT INTO message_revisions (message_id, body, replaced_at) VALUES (?1, 'Merhaba, sipariş?', ?2)").bind(customer!.id, T0 + 1000),
    env.DB.prepare("INSERT INTO message_translations (message_id, language, text, source_language) VALUES (?1, 'en', 'Hello, where is my order? 📦', 'tr')").bind(customer!.id),
  ]);
  const reply = await insert({ direction: "out", body: "Kargonuz yolda 🚚", author: agent.id, status: "delivered", at: T0 + 60_000 });
  const failed = await insert({ direction: "out", body: "Takip kodu: TR123", author: agent.id, status: "failed", reason: "window closed", at: T0 + 120_000 });
  const note = await insert({ direction: "note", body: "Müşteri VIP, dikkat", author: agent.id, status: "received", at: T0 + 130_000 });
  const system = await insert({ direction: "system", body: "Hoş geldiniz!", status: "sent", at: T0 - 1000 });
  const unsent = await insert({ direction: "in", body: "", status: "received", at: T0 + 140_000, deletedAt: T0 + 150_000 });
  // A story mention as a provider might have it: its media URL must never leave, whatever a row holds.
  const story = await insert({ direction: "in", body: "", status: "received", attachments: [{ kind: "story_mention", ref: STORY_URL }], at: T0 + 160_000 });
  return { queueId, account, agent, ticketId, ids: { customer: customer!.id, reply: reply!.id, failed: failed!.id, note: note!.id, system: system!.id, unsent: unsent!.id, story: story!.id } };
}

describe("GET /api/v1/tickets/{id}/transcript.zip", () => {
  it("zips a readable transcript in the account's time zone, an escaped HTML page and every message as JSON; never a story's media URL", async () => {
    const { ticketId, agent, ids } = await seedHistory({ accountZone: "Europe/Istanbul", queueZone: "Europe/Berlin" });
    const admin = await seedUser("admin");
    const res = await download(`/api/v1/tickets/${ticketId}/transcript.zip`, admin.token);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="ticket-${ticketId}-transcript.zip"`);
    const files = unzipSync(res.bytes);
    expect(Object.keys(files).sort()).toEqual(["messages.json", "transcript.html", "transcript.txt"]);
    const everything = Object.values(files).map((f) => strFromU8(f)).join("\n");
    expect(everything).not.toContain("lookaside.fbsbx.com");
    expect(everything).not.toContain("story-123");

    const txt = strFromU8(files["transcript.txt"]!);
    expect(txt).toContain(`Ticket #${ticketId} — <b>İade</b> & kargo`);
    expect(txt).toContain("Times are in Europe/Istanbul.");
    expect(txt).toContain("Opened: 2026-03-10 12:05:07 · Closed: 2026-03-10 13:05:07");
    expect(txt).toContain("[2026-03-10 12:05:07] Zeynep \"Z\" Çelik: Merhaba <script>alert(1)</script> siparişim nerede? 📦");
    expect(txt).toContain("    earlier version (until 2026-03-10 12:05:08): Merhaba, sipariş?");
    expect(txt).toContain("    translation (en): Hello, where is my order? 📦");
    expect(txt).toContain("    attachment: image, image/jpeg, 2048 bytes");
    expect(txt).toContain("    reaction: 👍");
    expect(txt).toContain("[2026-03-10 12:06:07] Ayşe Yılmaz: Kargonuz yolda 🚚  [delivered]");
    expect(txt).toContain("[2026-03-10 12:07:07] Ayşe Yılmaz: Takip kodu: TR123  [failed: window closed]");
    expect(txt).toContain("[2026-03-10 12:07:17] Note by Ayşe Yılmaz: Müşteri VIP, dikkat");
    expect(txt).toContain("[2026-03-10 12:05:06] System: Hoş geldiniz!");
    expect(txt).toContain("[2026-03-10 12:07:27] Zeynep \"Z\" Çelik: (unsent by the customer)");
    expect(txt).toContain("    attachment: story_mention");
    // In the order the hub stored them (the system message was stored last, stamped earlier).
    expect(txt.indexOf("Kargonuz yolda")).toBeLessThan(txt.indexOf("Hoş geldiniz!"));

    const html = strFromU8(files["transcript.html"]!);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<b>İade</b>");
    expect(html).toContain("Merhaba &lt;script&gt;alert(1)&lt;/script&gt; siparişim nerede? 📦");
    expect(html).toContain("&lt;b&gt;İade&lt;/b&gt; &amp; kargo");
    expect(html).toContain("Zeynep &quot;Z&quot; Çelik");
    expect(html).toContain("Destek &lt;Hattı&gt;");
    expect(html).toContain("<time>2026-03-10 12:05:07</time>");

    const json = JSON.parse(strFromU8(files["messages.json"]!));
    expect(json.timeZone).toBe("Europe/Istanbul");
    expect(json.ticket).toMatchObject({ id: ticketId, status: "closed", disposition: "Çözüldü", tags: ["vip", "iade"], assignee: { id: agent.id, name: "Ayşe Yılmaz" } });
    expect(json.contact).toMatchObject({ name: 'Zeynep "Z" Çelik', handle: "+905551112233", username: "zeynep_c" });
    const byId = new Map(json.messages.map((m: { id: number }) => [m.id, m]));
    expect(json.messages.map((m: { id: number }) => m.id)).toEqual(Object.values(ids).sort((a, b) => a - b));
    expect(byId.get(ids.customer)).toMatchObject({
      direction: "in",
      note: false,
      system: false,
      author: null,
      body: "Merhaba <script>alert(1)</script> siparişim nerede? 📦",
      revisions: [{ body: "Merhaba, sipariş?", replacedAt: T0 + 1000 }],
      translation: { language: "en", text: "Hello, where is my order? 📦", sourceLanguage: "tr" },
      attachments: [{ kind: "image", ref: "file-1", mimeType: "image/jpeg", size: 2048 }],
      editedAt: T0 + 1000,
      reaction: "👍",
      createdAt: T0,
      createdAtIso: "2026-03-10T09:05:07.000Z",
    });
    expect(byId.get(ids.reply)).toMatchObject({ direction: "out", author: { id: agent.id, name: "Ayşe Yılmaz" }, status: "delivered", statusReason: null });
    expect(byId.get(ids.failed)).toMatchObject({ status: "failed", statusReason: "window closed" });
    expect(byId.get(ids.note)).toMatchObject({ direction: "note", note: true, system: false });
    expect(byId.get(ids.system)).toMatchObject({ direction: "system", note: false, system: true, author: null });
    expect(byId.get(ids.unsent)).toMatchObject({ body: "", deletedAt: T0 + 150_000 });
    expect(byId.get(ids.story)).toMatchObject({ attachments: [{ kind: "story_mention" }] });
  });

  it("falls back to the queue's time zone, then UTC", async () => {
    const admin = await seedUser("admin");
    const queued = await seedHistory({ queueZone: "Europe/Berlin" });
    const berlin = unzipSync((await download(`/api/v1/tickets/${queued.ticketId}/transcript.zip`, admin.token)).bytes);
    expect(strFromU8(berlin["transcript.txt"]!)).toContain("Opened: 2026-03-10 10:05:07");
    const plain = await seedHistory();
    const utc = unzipSync((await download(`/api/v1/tickets/${plain.ticketId}/transcript.zip`, admin.token)).bytes);
    expect(strFromU8(utc["transcript.txt"]!)).toContain("Opened: 2026-03-10 09:05:07");
    expect(JSON.parse(strFromU8(utc["messages.json"]!)).timeZone).toBe("UTC");
  });

  it("who may download it: admins and supervisors any ticket, agents only their queues' tickets", async () => {
    const { ticketId, agent } = await seedHistory();
    const [admin, supervisor, outsider] = await Promise.all([seedUser("admin"), seedUser("supervisor"), seedUser("agent", { queues: [await seedQueue()] })]);
    const path = `/api/v1/tickets/${ticketId}/transcript.zip`;
    expect((await download(path, admin.token)).status).toBe(200);
    expect((await download(path, supervisor.token)).status).toBe(200);
    expect((await download(path, agent.token)).status).toBe(200);
    const hidden = await call(path, { token: outsider.token });
    expect(hidden.status).toBe(404);
    expect(hidden.data.error).toEqual({ code: "not_found", message: "Ticket not found" });
    expect((await call(path)).status).toBe(401);
    expect((await call("/api/v1/tickets/99999999/transcript.zip", { token: admin.token })).status).toBe(404);
    expect((await call("/api/v1/tickets/abc/transcript.zip", { token: admin.token })).status).toBe(400);
    expect((await call(`${path}?format=pdf`, { token: admin.token })).status).toBe(400);

    const doc = (await call("/api/openapi.json")).data.paths["/api/v1/tickets/{id}/transcript.zip"].get;
    expect(doc["x-required-roles"]).toEqual(["admin", "supervisor", "agent"]);
    expect(Object.keys(doc.responses[200].content)).toEqual(["application/zip"]);
  });
});
