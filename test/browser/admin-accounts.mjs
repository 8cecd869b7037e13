// The admin console's accounts, users and canned answers in a real browser against the real Worker:
// an admin signs in, opens Administration, creates a WhatsApp (Twilio) account through the form
// (a Key too long and one already taken are refused at the Key field with the API's message), sees
// its receive URL and copies it, the Auth Token shows as set and is nowhere in the page; a signed
// Twilio webhook to that URL opens a ticket; the admin adds an agent to the account, replaces its Auth
// Token, registers the Telegram account's webhook, activates a custom channel after a refused
// challenge, creates a user (then resets their password and gives them a queue with a weight) and a
// canned answer, and makes a disposition mandatory on the account; a supervisor sees the account
// read-only. Screenshots go to docs/screenshots/admin-account*.png.
import { createHmac } from "node:crypto";
import http from "node:http";
import path from "node:path";
import { HOST, SHOTS, STEP_TIMEOUT_MS, assert, buildWeb, launchChromium, log, onCleanup, runTest, startStack, unnamedControls } from "./lib.mjs";

/** X-Twilio-Signature: base64(HMAC-SHA1(token, url + each parameter's name and value, sorted by name)). */
function twilioSignature(token, url, params) {
  const signed = url + Object.keys(params).sort().map((k) => k + params[k]).join("");
  return createHmac("sha1", token).update(Buffer.from(signed, "utf8")).digest("base64");
}

// Twilio's published example: the signer is right before anything depends on it.
assert(
  twilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", {
    CallSid: "CA1234567890ABCDE",
    Caller: "+14158675309",
    Digits: "1234",
    From: "+14158675309",
    To: "+18005551212",
  }) === "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
  "the Twilio signer does not reproduce Twilio's example",
);

/** A custom channel's outgoing webhook: refuses the challenge (503) until `echo` is set, then echoes it. */
async function startOutgoingWebhook() {
  const state = { echo: false, challenges: 0 };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const msg = JSON.parse(body || "{}");
      if (msg.type === "challenge") state.challenges++;
      if (msg.type === "challenge" && state.echo) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ challenge: msg.challenge }));
      } else {
        res.writeHead(503, { "content-type": "text/plain" });
        res.end("not ready");
      }
    });
  });
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://${HOST}:${server.address().port}/hub/outgoing`, state };
}

const api = (base, token) => async (method, p, body) => {
  const res = await fetch(`${base}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

/** The message shown at a control (its aria-describedby's error), or null. */
const errorAt = (locator) =>
  locator.evaluate((el) => {
    if (el.getAttribute("aria-invalid") !== "true") return null;
    const ids = (el.getAttribute("aria-describedby") ?? "").split(" ").filter((id) => id.endsWith("-error"));
    return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" ") || null;
  });

await runTest(async () => {
  log("building web/");
  await buildWeb();
  const { base, demo, botApi } = await startStack();
  const outgoing = await startOutgoingWebhook();
  const asAdmin = api(base, demo.admin.token);

  // A second queue, so that the new account's agents start from none.
  const queue = await asAdmin("POST", "/queues", { name: "WhatsApp Türkiye" });
  assert(queue.status === 201, `creating a queue answered ${queue.status}: ${JSON.stringify(queue.body)}`);
  // The demo account takes a Key, which the new account then cannot have.
  const keyed = await asAdmin("PATCH", `/accounts/${demo.accounts[0].id}`, { shortKey: "DEMO" });
  assert(keyed.status === 200, `giving the demo account a Key answered ${keyed.status}: ${JSON.stringify(keyed.body)}`);

  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));

  log("the admin signs in and opens Administration");
  await page.goto(`${base}/`);
  await page.getByRole("textbox", { name: "Email" }).fill(demo.admin.email);
  await page.getByLabel("Password").fill(demo.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Administration" }).click();
  const accounts = page.getByRole("table", { name: "Accounts" });
  await accounts.getByRole("row", { name: new RegExp(demo.accounts[0].name) }).filter({ hasText: "DEMO" }).waitFor();
  let unnamed = await unnamedControls(page);
  assert(unnamed.length === 0, `controls without a name on the accounts list: ${unnamed.join(", ")}`);

  log("a new Twilio account through the form");
  await page.getByRole("button", { name: "New account" }).click();
  const form = page.getByRole("form", { name: "New account" });
  await form.getByRole("combobox", { name: "Provider" }).selectOption("twilio");
  const twilio = {
    name: "WhatsApp Türkiye",
    accountSid: `AC${"0123456789abcdef".repeat(2)}`,
    from: "whatsapp:+14155238886",
    authToken: "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
  };
  await form.getByRole("textbox", { name: "Name" }).fill(twilio.name);
  await form.getByRole("textbox", { name: "Description" }).fill("Müşteri hizmetleri, WhatsApp");
  await form.getByRole("textbox", { name: "Phone" }).fill("+14155238886");
  await form.getByRole("combobox", { name: "Queue" }).selectOption({ label: queue.body.name });
  await form.getByRole("textbox", { name: "Account SID" }).fill(twilio.accountSid);
  await form.getByRole("textbox", { name: "WhatsApp sender" }).fill(twilio.from);
  await form.getByLabel("Auth Token").fill(twilio.authToken);
  const key = form.getByRole("textbox", { name: "Key" });

  // The API's own answers for the same wrong Keys, to compare with what the field shows.
  const sameBody = (shortKey) => ({
    provider: "twilio",
    name: "probe",
    queueId: queue.body.id,
    shortKey,
    settings: { accountSid: twilio.accountSid, from: twilio.from },
    credentials: { authToken: twilio.authToken },
  });
  for (const [wrong, status] of [["WATR12", 400], ["demo", 409]]) {
    const expected = await asAdmin("POST", "/accounts", sameBody(wrong));
    assert(expected.status === status, `the API answered ${expected.status} to the Key ${wrong}: ${JSON.stringify(expected.body)}`);
    const detail = expected.body.error.details?.find?.((d) => d.path === "shortKey");
    assert(detail, `the API's answer to the Key ${wrong} names no shortKey field: ${JSON.stringify(expected.body)}`);
    const message = detail.message ?? expected.body.error.message;
    await key.fill(wrong);
    await form.getByRole("button", { name: "Create account" }).click();
    await page.waitForFunction(
      ([m]) => [...document.querySelectorAll(".field-error")].some((e) => e.textContent === m),
      [message],
    );
    const shown = await errorAt(key);
    assert(shown === message, `the Key ${wrong} shows "${shown}" at its field, the API says "${message}"`);
  }
  await page.screenshot({ path: path.join(SHOTS, "admin-account-form.png"), fullPage: true });

  await key.fill("WATR");
  await form.getByRole("button", { name: "Create account" }).click();
  const receive = page.getByRole("textbox", { name: "Receive URL" });
  await receive.waitFor();
  const receiveUrl = await receive.inputValue();
  assert(new RegExp(`^${base}/webhooks/twilio/[A-Za-z0-9_-]+$`).test(receiveUrl), `unexpected receive URL ${receiveUrl}`);
  const created = (await asAdmin("GET", "/accounts")).body.items.find((a) => a.name === twilio.name);
  assert(created?.receiveUrl === receiveUrl && created.shortKey === "WATR" && created.queueId === queue.body.id, `the account as stored: ${JSON.stringify(created)}`);
  assert(created.credentialsSet.authToken === true, "the Auth Token is not set");

  log("the receive URL is copied; the Auth Token shows as set and is nowhere in the page");
  await page.getByRole("button", { name: "Copy receive URL" }).click();
  await page.getByRole("status").filter({ hasText: "Receive URL copied" }).waitFor();
  const clipboard = await page.evaluate(() => navigator.clipboard.readText());
  assert(clipboard === receiveUrl, `the clipboard holds ${clipboard}`);
  const token = page.getByLabel("Auth Token");
  assert((await token.inputValue()) === "", "the Auth Token field is not empty");
  const tokenHint = await token.evaluate((el) => (el.getAttribute("aria-describedby") ?? "").split(" ").map((id) => document.getElementById(id)?.textContent).join(" "));
  assert(/Set\. Type a new value to replace it/.test(tokenHint), `the Auth Token does not show as set: ${tokenHint}`);
  assert(!(await page.content()).includes(twilio.authToken), "the Auth Token is in the page's HTML");
  await page.getByRole("region", { name: "Setup" }).getByText("status callback URL").waitFor();

  log("a signed Twilio webhook to the receive URL opens a ticket");
  const params = {
    SmsMessageSid: "SMf604b3c2c88eecd463716599d5e5484b",
    NumMedia: "0",
    ProfileName: "Ayşe Yılmaz",
    MessageType: "text",
    SmsSid: "SMf604b3c2c88eecd463716599d5e5484b",
    WaId: "905321234567",
    SmsStatus: "received",
    Body: "Merhaba, siparişim nerede? 📦",
    To: twilio.from,
    NumSegments: "1",
    ReferralNumMedia: "0",
    MessageSid: "SMf604b3c2c88eecd463716599d5e5484b",
    AccountSid: twilio.accountSid,
    From: "whatsapp:+905321234567",
    ApiVersion: "2010-04-01",
  };
  const hook = await fetch(receiveUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSignature(twilio.authToken, receiveUrl, params) },
    body: new URLSearchParams(params).toString(),
  });
  assert(hook.status === 200, `the webhook answered ${hook.status}: ${await hook.text()}`);
  const tickets = await asAdmin("GET", `/tickets?queueId=${queue.body.id}`);
  const ticket = tickets.body.items.find((t) => t.contactName === "Ayşe Yılmaz");
  assert(ticket && ticket.accountId === created.id, `no ticket of the new account: ${JSON.stringify(tickets.body)}`);
  assert(ticket.preview.includes("siparişim nerede"), `the ticket's preview: ${ticket.preview}`);

  log("an agent is added to the account");
  const agentsOf = page.getByRole("region", { name: "Agents of the account" });
  await agentsOf.getByText("No agents yet.").waitFor();
  await agentsOf.getByRole("button", { name: "Add agents" }).click();
  const agent = demo.agents[0];
  await agentsOf.getByRole("checkbox", { name: new RegExp(agent.displayName) }).check();
  await agentsOf.getByRole("button", { name: "Add selected agents" }).click();
  await agentsOf.getByRole("list", { name: "Agents" }).getByRole("listitem").filter({ hasText: agent.displayName }).waitFor();
  const members = await asAdmin("GET", `/queues/${queue.body.id}/members`);
  assert(members.body.items.some((m) => m.userId === agent.id), "the agent did not join the account's queue");
  unnamed = await unnamedControls(page);
  assert(unnamed.length === 0, `controls without a name on the account: ${unnamed.join(", ")}`);

  log("the account is changed: its description, and the Auth Token replaced");
  const edit = page.getByRole("form", { name: `Account ${twilio.name}` });
  await edit.getByRole("textbox", { name: "Description" }).fill("WhatsApp, Türkiye hattı");
  const newToken = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  await edit.getByLabel("Auth Token").fill(newToken);
  await edit.getByRole("button", { name: "Save account" }).click();
  await edit.getByRole("status").filter({ hasText: "Account saved" }).waitFor();
  assert((await edit.getByLabel("Auth Token").inputValue()) === "", "the replaced Auth Token stays in its field");
  assert(!(await page.content()).includes(newToken), "the new Auth Token is in the page's HTML");
  const changed = (await asAdmin("GET", `/accounts/${created.id}`)).body;
  assert(changed.description === "WhatsApp, Türkiye hattı" && changed.shortKey === "WATR", `the changed account: ${JSON.stringify(changed)}`);
  const oldSigned = await fetch(receiveUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSignature(twilio.authToken, receiveUrl, params) },
    body: new URLSearchParams(params).toString(),
  });
  assert(oldSigned.status === 401, `a webhook signed with the replaced Auth Token answered ${oldSigned.status}`);

  await page.getByRole("button", { name: "← All accounts" }).click();
  await accounts.getByRole("row", { name: new RegExp(twilio.name) }).filter({ hasText: "WATR" }).waitFor();

  log("Telegram: Register webhook shows Telegram's answer");
  await page.getByRole("button", { name: `Open ${demo.accounts[0].name}` }).click();
  await page.getByRole("button", { name: "Register webhook" }).click();
  await page.getByRole("status").filter({ hasText: "Telegram accepted the webhook" }).waitFor();
  const setWebhook = botApi.requests.find((r) => r.url.endsWith("/setWebhook"));
  const telegramUrl = (await asAdmin("GET", `/accounts/${demo.accounts[0].id}`)).body.receiveUrl;
  assert(setWebhook && JSON.parse(setWebhook.body).url === telegramUrl, `setWebhook as called: ${JSON.stringify(setWebhook)}`);
  await page.getByRole("button", { name: "← All accounts" }).click();

  log("a custom channel: its activation refused, shown with the reason, then activated");
  await page.getByRole("button", { name: "New account" }).click();
  const customForm = page.getByRole("form", { name: "New account" });
  await customForm.getByRole("combobox", { name: "Provider" }).selectOption("custom");
  await customForm.getByRole("textbox", { name: "Name" }).fill("Partner chat");
  await customForm.getByRole("textbox", { name: "Outgoing webhook URL" }).fill(outgoing.url);
  await customForm.getByRole("button", { name: "Create account" }).click();
  const setup = page.getByRole("region", { name: "Setup" });
  await setup.getByText(/pending.*answered HTTP 503 to the challenge/).waitFor();
  const shownOnce = page.getByRole("region", { name: "Shown once" });
  await shownOnce.getByText("Signing secret", { exact: true }).waitFor();
  await shownOnce.getByRole("button", { name: "I have copied them" }).click();
  outgoing.state.echo = true;
  await setup.getByRole("button", { name: "Activate" }).click();
  await setup.getByRole("status").filter({ hasText: "Activated" }).waitFor();
  await setup.locator(".pill").filter({ hasText: "active" }).waitFor();
  await shownOnce.getByText("Access token", { exact: true }).waitFor();
  assert(outgoing.state.challenges === 2, `the outgoing webhook got ${outgoing.state.challenges} challenges`);
  await page.getByRole("button", { name: "← All accounts" }).click();
  await accounts.getByRole("row", { name: /Partner chat/ }).filter({ hasText: "active" }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, "admin-accounts.png") });

  log("a user is created");
  const admin = page.getByRole("navigation", { name: "Administration" });
  await admin.getByRole("button", { name: "Users" }).click();
  await page.getByRole("button", { name: "New user" }).click();
  const userForm = page.getByRole("form", { name: "New user" });
  const newUser = { email: "deniz@demo.local", displayName: "Deniz Kaya", password: "deniz-pass-1" };
  await userForm.getByRole("textbox", { name: "Email" }).fill(newUser.email);
  await userForm.getByRole("textbox", { name: "Display name" }).fill(newUser.displayName);
  await userForm.getByRole("combobox", { name: "Role" }).selectOption("agent");
  await userForm.getByRole("spinbutton", { name: "Capacity" }).fill("4");
  await userForm.getByLabel("Password").fill(newUser.password);
  await userForm.getByRole("button", { name: "Create user" }).click();
  await page.getByRole("heading", { name: newUser.displayName }).waitFor();
  const users = (await asAdmin("GET", "/users")).body.items;
  const stored = users.find((u) => u.email === newUser.email);
  assert(stored && stored.capacity === 4 && stored.role === "agent" && stored.passwordSet, `the user as stored: ${JSON.stringify(stored)}`);
  const login = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: newUser.email, password: newUser.password }) });
  assert(login.status === 200, `the new user cannot sign in: ${login.status}`);

  log("the user's password is reset, and the user joins a queue with a weight");
  const reset = page.getByRole("form", { name: "Password reset" });
  await reset.getByLabel("New password").fill("deniz-pass-2");
  await reset.getByRole("button", { name: "Set password" }).click();
  await reset.getByRole("status").filter({ hasText: "Password set" }).waitFor();
  const signIn = (password) =>
    fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: newUser.email, password }) }).then((r) => r.status);
  assert((await signIn("deniz-pass-2")) === 200 && (await signIn(newUser.password)) === 401, "the reset password is not the one that signs in");
  await page.getByRole("checkbox", { name: `Member of ${queue.body.name}` }).check();
  await page.getByRole("spinbutton", { name: `Weight in ${queue.body.name}` }).fill("40");
  await page.getByRole("button", { name: "Save memberships" }).click();
  await page.getByRole("status").filter({ hasText: "Memberships saved" }).waitFor();
  const weighted = (await asAdmin("GET", `/queues/${queue.body.id}/members`)).body.items.find((m) => m.userId === stored.id);
  assert(weighted?.weight === 40, `the user's membership: ${JSON.stringify(weighted)}`);
  unnamed = await unnamedControls(page);
  assert(unnamed.length === 0, `controls without a name on the user: ${unnamed.join(", ")}`);

  log("a canned answer is created; its shortcut, used again, is refused at its field");
  await admin.getByRole("button", { name: "Canned answers" }).click();
  const canned = { shortcut: "iade", text: "Merhaba {{contact.firstName}}, iade talebiniz alındı 📦" };
  for (const attempt of [1, 2]) {
    await page.getByRole("button", { name: "New canned answer" }).click();
    const cannedForm = page.getByRole("form", { name: "New canned answer" });
    await cannedForm.getByRole("combobox", { name: "Scope" }).selectOption("global");
    await cannedForm.getByRole("textbox", { name: "Shortcut" }).fill(canned.shortcut);
    await cannedForm.getByRole("textbox", { name: "Text" }).fill(canned.text);
    await cannedForm.getByRole("button", { name: "Create canned answer" }).click();
    if (attempt === 1) {
      await page.getByRole("table", { name: "Canned answers" }).getByRole("row").filter({ hasText: canned.text }).waitFor();
    } else {
      await cannedForm.getByText("Already taken in this scope").waitFor();
      assert((await errorAt(cannedForm.getByRole("textbox", { name: "Shortcut" }))) === "Already taken in this scope", "the taken shortcut is not refused at its field");
      await cannedForm.getByRole("button", { name: "Cancel" }).click();
    }
  }
  const answers = (await asAdmin("GET", "/canned-answers")).body.items.filter((c) => c.shortcut === canned.shortcut);
  assert(answers.length === 1 && answers[0].body === canned.text && answers[0].scope === "global", `canned answers as stored: ${JSON.stringify(answers)}`);

  log("dispositions: mandatory without any is refused at its checkbox; one is added and saved");
  await admin.getByRole("button", { name: "Dispositions" }).click();
  await page.getByRole("combobox", { name: "Account" }).selectOption({ label: twilio.name });
  const mandatory = page.getByRole("checkbox", { name: "Mandatory on close" });
  await mandatory.check();
  await page.getByRole("button", { name: "Save dispositions" }).click();
  const needsOne = "Mandatory Disposition needs at least one disposition";
  await page.locator(".field-error", { hasText: needsOne }).waitFor();
  assert((await errorAt(mandatory)) === needsOne, "mandatory without dispositions is not refused at its checkbox");
  await page.getByRole("textbox", { name: "New disposition" }).fill("Çözüldü");
  await page.getByRole("button", { name: "Add disposition" }).click();
  await page.getByRole("button", { name: "Save dispositions" }).click();
  await page.getByRole("status").filter({ hasText: "Dispositions saved" }).waitFor();
  const closing = (await asAdmin("GET", `/accounts/${created.id}`)).body.conversation;
  assert(closing.mandatoryDisposition === true && JSON.stringify(closing.dispositions) === '["Çözüldü"]', `the account's dispositions: ${JSON.stringify(closing)}`);
  unnamed = await unnamedControls(page);
  assert(unnamed.length === 0, `controls without a name on the dispositions: ${unnamed.join(", ")}`);

  log("a phone-wide look at the accounts");
  await page.setViewportSize({ width: 390, height: 844 });
  await admin.getByRole("button", { name: "Accounts" }).click();
  await accounts.getByRole("row", { name: new RegExp(twilio.name) }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert(overflow <= 1, `the accounts list is ${overflow}px wider than a phone`);
  await page.screenshot({ path: path.join(SHOTS, "admin-accounts-phone.png"), fullPage: true });

  log("a supervisor reads the account without controls to change it");
  const supervisor = { email: "sofia@demo.local", displayName: "Sofia Supervisor", role: "supervisor", password: "sofia-pass-1" };
  const made = await asAdmin("POST", "/users", supervisor);
  assert(made.status === 201, `creating the supervisor answered ${made.status}`);
  const reader = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  reader.setDefaultTimeout(STEP_TIMEOUT_MS);
  reader.on("pageerror", (e) => pageErrors.push(String(e)));
  await reader.goto(`${base}/`);
  await reader.getByRole("textbox", { name: "Email" }).fill(supervisor.email);
  await reader.getByLabel("Password").fill(supervisor.password);
  await reader.getByRole("button", { name: "Sign in" }).click();
  await reader.getByRole("button", { name: "Administration" }).click();
  await reader.getByRole("button", { name: `Open ${twilio.name}` }).click();
  await reader.getByRole("textbox", { name: "Receive URL" }).waitFor();
  assert(await reader.getByRole("textbox", { name: "Name" }).isDisabled(), "the supervisor may edit the account's name");
  for (const name of ["Save account", "Delete account", "New account"]) {
    assert((await reader.getByRole("button", { name }).count()) === 0, `the supervisor is offered ${name}`);
  }
  assert((await reader.getByLabel("Auth Token").count()) === 0, "the supervisor is offered the credentials");

  assert(pageErrors.length === 0, `errors on the page: ${pageErrors.join("; ")}`);
});
