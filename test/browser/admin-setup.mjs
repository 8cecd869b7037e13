// A contact center set up from scratch with the admin console only, then customers writing in: an
// admin creates a queue through its form and gives it a member with a weight, then a Telegram, an
// Instagram (Meta), a WhatsApp (Sinch), a Connexease and a custom channel account through the
// account form, each with what to have at hand before starting, its provider's setup help and its
// receive URL; the secrets the hub generates are read from the page's Shown once box (one copied
// with its button) and nowhere else. Telegram's webhook is registered with the Bot API stand-in; a
// template becomes that account's welcome message and a canned answer is made for it; its
// customer's first message gets the template's text. Meta's subscription handshake answers with the
// verify token shown, and for each account a webhook of the provider's real shape, signed with what
// the page showed, reaches a ticket of that account in the new queue. An agent is added to the
// queue from an account. An account without tickets is deleted after a confirmation (dismissed
// first: nothing deleted), its receive URL then unknown; deleting one with a ticket is refused with
// the API's reason. A user is created and deleted; the admin deleting themselves is refused. A
// chatbot set for an account shows its signing secret once. Screenshots: docs/screenshots/admin-
// account-setup*.png.
import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { HOST, SHOTS, STEP_TIMEOUT_MS, assert, buildWeb, launchChromium, log, onCleanup, runTest, startStack, unnamedControls } from "./lib.mjs";

const hmac = (alg, key, data) => createHmac(alg, key).update(data);

/** A custom channel's outgoing webhook that echoes every challenge. */
async function startOutgoingWebhook() {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const msg = JSON.parse(body || "{}");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(msg.type === "challenge" ? JSON.stringify({ challenge: msg.challenge }) : "{}");
    });
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return `http://${HOST}:${server.address().port}/hub/outgoing`;
}

await runTest(async () => {
  log("building web/");
  await buildWeb();
  const { base, demo, botApi } = await startStack();
  const outgoingUrl = await startOutgoingWebhook();
  const api = async (method, p) => {
    const res = await fetch(`${base}/api/v1${p}`, { method, headers: { authorization: `Bearer ${demo.admin.token}` } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  const checkNames = async (where) => {
    const unnamed = await unnamedControls(page);
    assert(unnamed.length === 0, `${where}: controls without an accessible name: ${unnamed.join(", ")}`);
  };

  log("the admin signs in and creates a queue through its form");
  await page.goto(`${base}/`);
  await page.getByRole("textbox", { name: "Email" }).fill(demo.admin.email);
  await page.getByLabel("Password").fill(demo.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Administration" }).click();
  const nav = page.getByRole("navigation", { name: "Administration" });
  await nav.getByRole("button", { name: "Queues", exact: true }).click();
  await page.getByRole("button", { name: "New queue" }).click();
  const queueForm = page.getByRole("form", { name: "New queue" });
  const queueName = "Social and WhatsApp";
  await queueForm.getByRole("textbox", { name: "Name" }).fill(queueName);
  await queueForm.getByRole("spinbutton", { name: "Agent Ring Time" }).fill("30");
  await queueForm.getByRole("button", { name: "Create queue" }).click();
  await page.getByRole("form", { name: `Queue ${queueName}` }).getByRole("status").filter({ hasText: "Saved." }).waitFor();
  const queue = (await api("GET", "/queues")).body.items.find((q) => q.name === queueName);
  assert(queue?.routing.agentRingTimeS === 30, `the queue as stored: ${JSON.stringify(queue)}`);

  log("an agent joins the queue from its Members, with a weight");
  const queueMembers = page.getByRole("region", { name: `Members of ${queueName}` });
  await queueMembers.getByText("No members yet").waitFor();
  await queueMembers.getByRole("button", { name: "Add members" }).click();
  const member = demo.agents[1];
  await queueMembers.getByRole("checkbox", { name: new RegExp(member.displayName) }).check();
  await queueMembers.getByRole("button", { name: "Add selected members" }).click();
  await queueMembers.getByRole("status").filter({ hasText: "Members added" }).waitFor();
  await queueMembers.getByRole("spinbutton", { name: `Weight of ${member.displayName}` }).fill("70");
  await queueMembers.getByRole("button", { name: `Save weight of ${member.displayName}` }).click();
  await queueMembers.getByRole("status").filter({ hasText: `Weight of ${member.displayName} saved` }).waitFor();
  const weighed = (await api("GET", `/queues/${queue.id}/members`)).body.items.find((m) => m.userId === member.id);
  assert(weighed?.weight === 70, `the queue's member as stored: ${JSON.stringify(weighed)}`);
  await checkNames("a new queue with its members");

  const accountsTable = page.getByRole("table", { name: "Accounts" });
  const setup = page.getByRole("region", { name: "Setup" });
  const shownOnce = page.getByRole("region", { name: "Shown once" });
  const back = () => page.getByRole("button", { name: "← All accounts" }).click();

  /**
   * Creates an account through the form: the provider picked, its "Before you start" shown, `fill`
   * run on the form; then the setup's help (`help`) and receive URL are checked. Returns the
   * account as the API has it.
   */
  const createAccount = async ({ provider, name, prepare, fill, help }) => {
    await nav.getByRole("button", { name: "Accounts", exact: true }).click();
    await page.getByRole("button", { name: "New account" }).click();
    const form = page.getByRole("form", { name: "New account" });
    await form.getByRole("combobox", { name: "Provider" }).selectOption(provider);
    await form.locator("p.prepare").filter({ hasText: "Before you start:" }).filter({ hasText: prepare }).waitFor();
    await form.getByRole("textbox", { name: "Name", exact: true }).fill(name);
    await form.getByRole("combobox", { name: "Queue" }).selectOption({ label: queueName });
    await fill(form);
    await form.getByRole("button", { name: "Create account" }).click();
    const receive = setup.getByRole("textbox", { name: "Receive URL" });
    await receive.waitFor();
    const receiveUrl = await receive.inputValue();
    assert(new RegExp(`^${base}/webhooks/${provider}/[A-Za-z0-9_-]+$`).test(receiveUrl), `the ${provider} receive URL: ${receiveUrl}`);
    await setup.getByText(help).first().waitFor();
    const stored = (await api("GET", "/accounts")).body.items.find((a) => a.name === name);
    assert(stored?.receiveUrl === receiveUrl && stored.provider === provider && stored.queueId === queue.id, `the ${provider} account as stored: ${JSON.stringify(stored)}`);
    return stored;
  };
  /** A value in the Shown once box, by its label; it is not in the account the API returns. */
  const shown = async (label) => (await shownOnce.getByLabel(label, { exact: true }).textContent()).trim();
  const ticketOf = async (account) => {
    const tickets = (await api("GET", `/tickets?queueId=${queue.id}`)).body.items;
    return tickets.find((t) => t.accountId === account.id);
  };

  log("Telegram: created through the form, its secret token shown once, the webhook registered");
  const telegram = await createAccount({
    provider: "telegram",
    name: "Telegram @ornek_bot",
    prepare: "@BotFather",
    help: /registers the receive URL with Telegram/,
    fill: async (form) => {
      await form.getByLabel("Bot token").fill("7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw");
      await form.getByText("Advanced settings").click();
      await form.getByRole("textbox", { name: "API base URL" }).fill(botApi.baseUrl);
    },
  });
  const secretToken = await shown("Secret token");
  await setup.getByRole("button", { name: "Register webhook" }).click();
  await setup.getByRole("status").filter({ hasText: "Telegram accepted the webhook" }).waitFor();
  const registered = JSON.parse(botApi.requests.find((r) => r.url.endsWith("/setWebhook"))?.body ?? "{}");
  assert(registered.url === telegram.receiveUrl && registered.secret_token === secretToken, `setWebhook as called: ${JSON.stringify(registered)}`);

  log("a template as the Telegram account's welcome message, and a canned answer of the account");
  await nav.getByRole("button", { name: "Templates", exact: true }).click();
  await page.getByRole("button", { name: "New template" }).click();
  const editor = page.getByRole("form", { name: "New template" });
  await editor.getByRole("textbox", { name: "Name" }).fill("Hoş geldiniz");
  await editor.getByRole("textbox", { name: "Body", exact: true }).fill("Merhaba {{contact.firstName}}, {{account.name}} hattına hoş geldiniz 👋");
  await editor.getByRole("button", { name: "Create template" }).click();
  await page.getByRole("form", { name: "Template Hoş geldiniz" }).getByRole("status").filter({ hasText: "Saved." }).waitFor();
  await nav.getByRole("button", { name: "Conversation settings", exact: true }).click();
  await page.getByRole("combobox", { name: "Account" }).selectOption({ label: `${telegram.name} (Telegram)` });
  const settings = page.getByRole("form", { name: `Conversation settings of ${telegram.name}` });
  await settings.getByRole("combobox", { name: "Welcome message source" }).selectOption("template");
  await settings.getByRole("combobox", { name: "Welcome message template" }).selectOption({ label: "Hoş geldiniz" });
  await settings.getByRole("button", { name: "Save conversation settings" }).click();
  await settings.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  await nav.getByRole("button", { name: "Canned answers", exact: true }).click();
  await page.getByRole("button", { name: "New canned answer" }).click();
  const cannedForm = page.getByRole("form", { name: "New canned answer" });
  await cannedForm.getByRole("combobox", { name: "Scope" }).selectOption({ label: telegram.name });
  await cannedForm.getByRole("textbox", { name: "Shortcut" }).fill("kargo");
  await cannedForm.getByRole("textbox", { name: "Text" }).fill("Kargonuz yolda, {{contact.firstName}} 🚚");
  await cannedForm.getByRole("button", { name: "Create canned answer" }).click();
  await page.getByRole("table", { name: "Canned answers" }).getByRole("row").filter({ hasText: "kargo" }).filter({ hasText: telegram.name }).waitFor();
  const canned = (await api("GET", "/canned-answers")).body.items.find((c) => c.shortcut === "kargo");
  assert(canned?.scope === telegram.id, `the canned answer as stored: ${JSON.stringify(canned)}`);

  log("a customer writes to the Telegram account: a ticket, and the template's welcome");
  const tgHook = await fetch(telegram.receiveUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secretToken },
    body: JSON.stringify({
      update_id: 1,
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        chat: { id: 555001, type: "private", first_name: "Zeynep" },
        from: { id: 555001, is_bot: false, first_name: "Zeynep" },
        text: "Siparişim ne zaman gelir?",
      },
    }),
  });
  assert(tgHook.status === 200, `the Telegram webhook answered ${tgHook.status}: ${await tgHook.text()}`);
  assert((await ticketOf(telegram))?.contactName === "Zeynep", "no ticket of the Telegram account");
  const welcome = `Merhaba Zeynep, ${telegram.name} hattına hoş geldiniz 👋`;
  const sent = () => botApi.requests.filter((r) => r.url.endsWith("/sendMessage")).map((r) => JSON.parse(r.body).text);
  for (const until = Date.now() + STEP_TIMEOUT_MS; !sent().includes(welcome) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 200));
  assert(sent().includes(welcome), `the Bot API got ${JSON.stringify(sent())}, expected ${JSON.stringify(welcome)}`);

  log("Instagram (Meta): created through the form, its verify token shown once, the handshake and a signed message");
  const igAccountId = "17841400008460056";
  const appSecret = "d4f0c3b2a1e9f8d7c6b5a4f3e2d1c0b9";
  const meta = await createAccount({
    provider: "meta",
    name: "Instagram @ornek_magaza",
    prepare: "Instagram account id",
    help: /verify token as the verify token/,
    fill: async (form) => {
      const flavor = form.getByRole("combobox", { name: "API flavor" });
      assert((await flavor.locator("option").first().textContent()) === "Default (instagram)", "the flavor's default is not named");
      await form.getByRole("textbox", { name: "Key" }).fill("IG");
      await form.getByRole("textbox", { name: "Instagram account id" }).fill(igAccountId);
      await form.getByLabel("App secret", { exact: true }).fill(appSecret);
      await form.getByLabel("Access token").fill("IGAAb1c2d3e4f5");
    },
  });
  await setup.getByText(/app secret/).first().waitFor();
  const verifyToken = await shown("Verify token");
  assert(verifyToken.length >= 16, `the verify token shown: ${verifyToken}`);
  await shownOnce.getByRole("button", { name: "Copy Verify token" }).click();
  await shownOnce.getByRole("status").filter({ hasText: "Verify token copied" }).waitFor();
  assert((await page.evaluate(() => navigator.clipboard.readText())) === verifyToken, "the clipboard does not hold the verify token");
  await page.screenshot({ path: path.join(SHOTS, "admin-account-setup.png"), fullPage: true });
  await checkNames("a new Meta account");
  const handshake = await fetch(`${meta.receiveUrl}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(verifyToken)}&hub.challenge=1158201444`);
  assert(handshake.status === 200 && (await handshake.text()) === "1158201444", `Meta's handshake answered ${handshake.status}`);
  const igBody = JSON.stringify({
    object: "instagram",
    entry: [
      {
        time: Date.now(),
        id: igAccountId,
        messaging: [
          {
            sender: { id: "6284937561234567" },
            recipient: { id: igAccountId },
            timestamp: Date.now(),
            message: { mid: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx", text: "Merhaba, sipari\u015fim nerede? \ud83d\udce6" },
          },
        ],
      },
    ],
  }).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const igHook = await fetch(meta.receiveUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${hmac("sha256", appSecret, igBody).digest("hex")}` },
    body: igBody,
  });
  assert(igHook.status === 200, `the Meta webhook answered ${igHook.status}: ${await igHook.text()}`);
  const igTicket = await ticketOf(meta);
  assert(igTicket?.preview.includes("siparişim nerede? 📦"), `no ticket of the Meta account: ${JSON.stringify(igTicket)}`);

  log("an agent joins the queue from the Instagram account");
  const agents = page.getByRole("region", { name: "Agents of the account" });
  await agents.getByRole("button", { name: "Add agents" }).click();
  const agent = demo.agents[0];
  await agents.getByRole("checkbox", { name: new RegExp(agent.displayName) }).check();
  await agents.getByRole("button", { name: "Add selected agents" }).click();
  await agents.getByRole("list", { name: "Agents" }).getByRole("listitem").filter({ hasText: agent.displayName }).waitFor();
  assert((await api("GET", `/queues/${queue.id}/members`)).body.items.some((m) => m.userId === agent.id), "the agent did not join the queue");

  log("WhatsApp (Sinch): created through the form, its webhook secret shown once, a signed callback");
  const sinchAppId = "01HQ7ZKX9W3YB6T1CMRZ5D2A8E";
  const sinch = await createAccount({
    provider: "sinch",
    name: "WhatsApp Sinch",
    prepare: "Conversation API app",
    help: /MESSAGE_INBOUND and MESSAGE_DELIVERY/,
    fill: async (form) => {
      const region = form.getByRole("combobox", { name: "Region" });
      assert((await region.locator("option").first().textContent()) === "Default (eu)", "the region's default is not named");
      await region.selectOption("eu");
      await form.getByRole("textbox", { name: "Project ID" }).fill("b8a4d5e2-4c1f-4a9b-9e2d-7f3c1a6b5d40");
      await form.getByRole("textbox", { name: "App ID" }).fill(sinchAppId);
      await form.getByLabel("Access key ID").fill("5f2c1b7e-key-id");
      await form.getByLabel("Access key secret").fill("sinch-key-secret-1234");
    },
  });
  const sinchSecret = await shown("Webhook secret");
  const sinchBody = JSON.stringify({
    app_id: sinchAppId,
    accepted_time: new Date().toISOString(),
    event_time: new Date().toISOString(),
    project_id: "b8a4d5e2-4c1f-4a9b-9e2d-7f3c1a6b5d40",
    message: {
      id: "01HQ80A3R7Y1T5K9W2N4B6M8CD",
      direction: "TO_APP",
      contact_message: { text_message: { text: "Kargo takip numarası çalışmıyor 🙏" } },
      channel_identity: { channel: "WHATSAPP", identity: "905321234567", app_id: "" },
      conversation_id: "01HQ80A3M2S6V8XR1F4KJ7C9TB",
      contact_id: "01HQ80A3JX2B7W5N9E6D1G3PQA",
      metadata: "",
      accept_time: new Date().toISOString(),
      sender_id: "905559876543",
      processing_mode: "CONVERSATION",
      injected: false,
    },
    message_metadata: "",
    correlation_id: "",
  });
  const nonce = randomUUID();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const sinchHook = await fetch(sinch.receiveUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-sinch-webhook-signature": hmac("sha256", sinchSecret, `${sinchBody}.${nonce}.${timestamp}`).digest("base64"),
      "x-sinch-webhook-signature-timestamp": timestamp,
      "x-sinch-webhook-signature-nonce": nonce,
      "x-sinch-webhook-signature-algorithm": "HmacSHA256",
    },
    body: sinchBody,
  });
  assert(sinchHook.status === 200, `the Sinch callback answered ${sinchHook.status}: ${await sinchHook.text()}`);
  assert((await ticketOf(sinch))?.preview.includes("Kargo takip"), "no ticket of the Sinch account");

  log("Connexease: created through the form, its webhook secret shown once, a signed message");
  const channelId = "3f1e9a52-7c4b-4d2e-9a61-0b5d8e2f4c17";
  const connexease = await createAccount({
    provider: "connexease",
    name: "Instagram via Connexease",
    prepare: "Connexease support",
    help: /Give Connexease the receive URL and the webhook secret/,
    fill: async (form) => {
      await form.getByRole("textbox", { name: "Channel ID" }).fill(channelId);
      await form.getByRole("textbox", { name: "Account ID" }).fill("10482");
      await form.getByLabel("Username").fill("api.user@example.com");
      await form.getByLabel("Password").fill("connexease-pass");
    },
  });
  const cxSecret = await shown("Webhook secret");
  const cxBody = JSON.stringify({
    hook: "message.created",
    channel: { uuid: channelId },
    payload: {
      uuid: "5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c01",
      conversation_uuid: "8d2b6c1e-4f3a-4b7e-9c2d-5e6f7a8b9c0d",
      type: "text",
      content: "İade nasıl yapılır? 🔁",
      created_at: "2026-01-01 10:00:00.300273+00:00",
      customer: { id: 48213, name: "Ayşe Yılmaz", username: "ayse.yilmaz", phone_number: "+905321234567" },
      agent: null,
    },
  });
  const cxHook = await fetch(connexease.receiveUrl, {
    method: "POST",
    headers: { "content-type": "application/json", "x-connexease-webhook-sign": hmac("sha256", cxSecret, cxBody).digest("base64") },
    body: cxBody,
  });
  assert(cxHook.status === 200, `the Connexease webhook answered ${cxHook.status}: ${await cxHook.text()}`);
  assert((await ticketOf(connexease))?.preview.includes("İade nasıl"), "no ticket of the Connexease account");

  log("custom channel: created through the form, activated, its access token shown once, a message posted with it");
  const custom = await createAccount({
    provider: "custom",
    name: "Partner web chat",
    prepare: "Your endpoint's URL",
    help: /Activation posts a challenge/,
    fill: (form) => form.getByRole("textbox", { name: "Outgoing webhook URL" }).fill(outgoingUrl),
  });
  await setup.locator(".pill").filter({ hasText: "active" }).waitFor();
  const accessToken = await shown("Access token");
  await shown("Signing secret");
  const customHook = await fetch(custom.receiveUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ messages: [{ id: "msg-1001", sender: { id: "cust-1001", name: "Jürgen Müller" }, text: "Grüß Gott! 😕", timestamp: Date.now() }] }),
  });
  assert(customHook.status === 200, `the custom channel answered ${customHook.status}: ${await customHook.text()}`);
  assert((await ticketOf(custom))?.contactName === "Jürgen Müller", "no ticket of the custom channel");
  await shownOnce.getByRole("button", { name: "I have copied them" }).click();
  assert((await shownOnce.count()) === 0, "the Shown once box stays");
  await back();
  for (const name of [telegram.name, meta.name, sinch.name, connexease.name, custom.name]) await accountsTable.getByRole("row").filter({ hasText: name }).filter({ hasText: queueName }).waitFor();

  log("deleting: a confirmation dismissed deletes nothing; accepted, the account and its receive URL are gone");
  const scratch = await createAccount({
    provider: "connexease",
    name: "Scratch",
    prepare: "Connexease support",
    help: /Give Connexease/,
    fill: async (form) => {
      await form.getByRole("textbox", { name: "Channel ID" }).fill(randomUUID());
      await form.getByRole("textbox", { name: "Account ID" }).fill("1");
      await form.getByLabel("Username").fill("u");
      await form.getByLabel("Password").fill("p");
    },
  });
  const dialogs = [];
  page.once("dialog", (d) => (dialogs.push(d.message()), void d.dismiss()));
  await page.getByRole("button", { name: "Delete account" }).click();
  await page.waitForTimeout(300);
  assert(dialogs.length === 1 && dialogs[0].includes("Delete the account Scratch?"), `the confirmation asked: ${JSON.stringify(dialogs)}`);
  assert((await api("GET", `/accounts/${scratch.id}`)).status === 200, "a dismissed confirmation deleted the account");
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete account" }).click();
  await page.getByRole("status").filter({ hasText: "Account Scratch deleted" }).waitFor();
  await accountsTable.getByRole("row").filter({ hasText: meta.name }).waitFor();
  assert((await accountsTable.getByRole("row").filter({ hasText: "Scratch" }).count()) === 0, "the deleted account is still listed");
  assert((await api("GET", `/accounts/${scratch.id}`)).status === 404, "the deleted account is still in the API");
  const gone = await fetch(scratch.receiveUrl, { method: "POST", headers: { "content-type": "application/json" }, body: cxBody });
  assert(gone.status === 404, `the deleted account's receive URL answered ${gone.status}`);

  log("deleting an account with a ticket is refused with the API's reason");
  await page.getByRole("button", { name: `Open ${meta.name}` }).click();
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete account" }).click();
  const refusal = page.getByRole("alert").filter({ hasText: "Not deleted:" });
  await refusal.waitFor();
  assert(/1 tickets?/.test(await refusal.textContent()), `the refusal says: ${await refusal.textContent()}`);
  assert((await api("GET", `/accounts/${meta.id}`)).status === 200, "the account with a ticket was deleted");

  log("a user is created and deleted after a confirmation; the admin cannot delete themselves");
  await nav.getByRole("button", { name: "Users", exact: true }).click();
  await page.getByRole("button", { name: "New user" }).click();
  const userForm = page.getByRole("form", { name: "New user" });
  await userForm.getByRole("textbox", { name: "Email" }).fill("gecici@demo.local");
  await userForm.getByRole("textbox", { name: "Display name" }).fill("Geçici Ajan");
  await userForm.getByRole("spinbutton", { name: "Capacity" }).fill("2");
  await userForm.getByRole("button", { name: "Create user" }).click();
  await page.getByRole("heading", { name: "Geçici Ajan" }).waitFor();
  const temp = (await api("GET", "/users")).body.items.find((u) => u.email === "gecici@demo.local");
  assert(temp?.capacity === 2 && temp.role === "agent", `the user as stored: ${JSON.stringify(temp)}`);
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete user" }).click();
  await page.getByRole("status").filter({ hasText: "User Geçici Ajan deleted" }).waitFor();
  assert((await page.getByRole("table", { name: "Users" }).getByRole("row").filter({ hasText: "gecici@demo.local" }).count()) === 0, "the deleted user is still listed");
  assert(!(await api("GET", "/users")).body.items.some((u) => u.email === "gecici@demo.local"), "the deleted user is still in the API");
  await page.getByRole("button", { name: `Open ${demo.admin.displayName}` }).click();
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete user" }).click();
  await page.getByRole("alert").filter({ hasText: "Not deleted: You cannot delete yourself" }).waitFor();

  log("a chatbot for the Connexease account: its signing secret shown once");
  await nav.getByRole("button", { name: "Conversation settings", exact: true }).click();
  await page.getByRole("combobox", { name: "Account" }).selectOption({ label: `${connexease.name} (Connexease)` });
  const cxSettings = page.getByRole("form", { name: `Conversation settings of ${connexease.name}` });
  await cxSettings.getByRole("checkbox", { name: "A chatbot answers first" }).check();
  await cxSettings.getByRole("textbox", { name: "Chatbot URL" }).fill("https://bot.example.com/hook");
  await cxSettings.getByRole("button", { name: "Save conversation settings" }).click();
  const chatbotSecret = await shownOnce.getByLabel("Chatbot signing secret", { exact: true }).textContent();
  assert(chatbotSecret.trim().length >= 32, `the chatbot's secret shown: ${chatbotSecret}`);
  const withBot = (await api("GET", `/accounts/${connexease.id}`)).body;
  assert(withBot.conversation.chatbot?.url === "https://bot.example.com/hook" && withBot.chatbotSecretSet === true && !JSON.stringify(withBot).includes(chatbotSecret.trim()), `the account with its chatbot: ${JSON.stringify(withBot.conversation.chatbot)}`);

  log("the setup 390 px wide");
  await nav.getByRole("button", { name: "Accounts", exact: true }).click();
  await page.getByRole("button", { name: `Open ${meta.name}` }).click();
  await page.setViewportSize({ width: 390, height: 844 });
  await setup.scrollIntoViewIfNeeded();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert(overflow <= 1, `the account page is ${overflow}px wider than a phone`);
  await page.screenshot({ path: path.join(SHOTS, "admin-account-setup-phone.png") });

  assert(pageErrors.length === 0, `errors on the page: ${pageErrors.join("; ")}`);
});
