// The admin console's queues, templates, conversation settings and audit log in a real browser
// against the real Worker. An admin sets a queue's ring time (kept across a reload) and sees a wrong
// one refused at its field with the API's message; creates a template with a variable, non-ASCII
// text and an emoji, previews it, and makes it the account's welcome message; a customer's first
// message through a signed Telegram webhook then gets exactly that text from the Bot API stand-in;
// deleting the template is refused with where it is used; the audit log filtered by action shows
// the changes; a supervisor sees the queue and the templates read-only. Screenshots go to
// docs/screenshots/admin-*.png.
import path from "node:path";
import { SHOTS, assert, onCleanup, buildWeb, launchChromium, log, runTest, startStack, unnamedControls } from "./lib.mjs";

const STEP_MS = 20_000;

await runTest(async () => {
  log("building web/");
  await buildWeb();
  const { base, demo, botApi, customerWrites } = await startStack();
  const api = (p, init = {}) =>
    fetch(`${base}/api/v1${p}`, { ...init, headers: { authorization: `Bearer ${demo.admin.token}`, "content-type": "application/json", ...init.headers } });

  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("dialog", (d) => void d.accept());
  const apiRefusals = [];
  page.on("response", (r) => {
    if (r.url().includes("/api/") && r.status() >= 400) void r.text().then((t) => apiRefusals.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()} ${t.slice(0, 300)}`), () => undefined);
  });
  onCleanup(async () => {
    if (apiRefusals.length) console.log(`API refusals seen by the page:\n${apiRefusals.join("\n")}`);
  });
  const checkNames = async (where) => {
    const unnamed = await unnamedControls(page);
    assert(unnamed.length === 0, `${where}: controls without an accessible name: ${unnamed.join(", ")}`);
  };
  const nav = page.getByRole("navigation", { name: "Administration" });
  const openSection = async (name) => {
    await nav.getByRole("button", { name, exact: true }).click();
    await page.getByRole("main", { name }).waitFor();
  };
  const openAdministration = async () => {
    await page.getByRole("button", { name: "Administration" }).click();
    await nav.waitFor();
  };

  log("the admin signs in and opens Administration");
  await page.goto(`${base}/`);
  await page.getByRole("textbox", { name: "Email" }).fill(demo.admin.email);
  await page.getByLabel("Password").fill(demo.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await openAdministration();

  log("queues: the ring time is saved and kept across a reload");
  const queueName = demo.queue.name;
  const editQueue = async () => {
    await openSection("Queues");
    await page.getByRole("table", { name: "Queues" }).getByRole("button", { name: `Edit ${queueName}` }).click();
    return page.getByRole("form", { name: `Queue ${queueName}` });
  };
  let form = await editQueue();
  const ringTime = form.getByRole("spinbutton", { name: "Agent Ring Time" });
  assert((await ringTime.inputValue()) === "20", `the ring time starts at ${await ringTime.inputValue()}`);
  const ringHint = await ringTime.evaluate((el) => el.getAttribute("aria-describedby")?.split(" ").map((id) => document.getElementById(id)?.textContent).join(" "));
  assert(/5–600/.test(ringHint) && /\bs\b/.test(ringHint) && /default 20/.test(ringHint), `the ring time's range, unit and default are not shown: ${ringHint}`);
  for (const group of ["General", "Ring strategy", "Timeouts", "Capacity and assignment", "Messages", "Branding", "Action plan", "Business hours"]) {
    await form.getByRole("group", { name: group, exact: true }).waitFor();
  }
  await ringTime.fill("45");
  await form.getByRole("button", { name: "Save queue" }).click();
  await form.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  const stored = await api(`/queues/${demo.queue.id}`).then((r) => r.json());
  assert(stored.routing.agentRingTimeS === 45, `the API has ring time ${stored.routing.agentRingTimeS}`);
  await page.reload();
  await openAdministration();
  form = await editQueue();
  assert((await form.getByRole("spinbutton", { name: "Agent Ring Time" }).inputValue()) === "45", "the ring time was not kept across the reload");

  log("queues: a wrong ring time is refused at its field with the API's message");
  const refused = await api(`/queues/${demo.queue.id}`, { method: "PATCH", body: JSON.stringify({ routing: { ...stored.routing, agentRingTimeS: 3 } }) }).then((r) => r.json());
  const apiMessage = refused.error.details.find((d) => d.path === "routing.agentRingTimeS")?.message;
  assert(apiMessage, `the API gave no message at routing.agentRingTimeS: ${JSON.stringify(refused)}`);
  await form.getByRole("spinbutton", { name: "Agent Ring Time" }).fill("3");
  await form.getByRole("button", { name: "Save queue" }).click();
  const invalid = form.getByRole("spinbutton", { name: "Agent Ring Time" });
  await form.locator('input[aria-invalid="true"]').first().waitFor();
  assert((await invalid.getAttribute("aria-invalid")) === "true", "the ring time field is not marked invalid");
  const shown = await invalid.evaluate((el) => el.getAttribute("aria-describedby")?.split(" ").map((id) => document.getElementById(id)?.textContent).join(" | "));
  assert(shown.includes(apiMessage), `the field shows "${shown}", the API said "${apiMessage}"`);
  const invalidCount = await form.locator('[aria-invalid="true"]').count();
  assert(invalidCount === 1, `${invalidCount} fields are marked invalid, expected only the ring time`);
  assert((await api(`/queues/${demo.queue.id}`).then((r) => r.json())).routing.agentRingTimeS === 45, "the refused value was stored");
  await invalid.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, "admin-queue.png") });
  await form.getByRole("button", { name: "Add step" }).click();
  await form.getByRole("button", { name: "Add time rule" }).click();
  await form.getByRole("checkbox", { name: /^The queue has its own business hours/ }).check();
  await form.getByRole("button", { name: "Add holiday" }).click();
  await checkNames("queue form with a plan");
  await checkNames("queue form");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SHOTS, "admin-queue-phone.png") });
  await page.setViewportSize({ width: 1280, height: 800 });
  await form.getByRole("button", { name: "Cancel" }).click();

  log("templates: one with a variable, non-ASCII text and an emoji, previewed");
  const templateName = "Karşılama 👋";
  const body = "Merhaba {{contact.firstName}}! Hoş geldiniz 👋 Size nasıl yardımcı olabiliriz? — ¿En qué podemos ayudarle?";
  const expected = "Merhaba Maria! Hoş geldiniz 👋 Size nasıl yardımcı olabiliriz? — ¿En qué podemos ayudarle?";
  await openSection("Templates");
  await page.getByRole("button", { name: "New template" }).click();
  const editor = page.getByRole("form", { name: "New template" });
  await editor.getByRole("textbox", { name: "Name" }).fill(templateName);
  await editor.getByRole("textbox", { name: "Description" }).fill("Greets a new customer by first name");
  const bodyField = editor.getByRole("textbox", { name: "Body", exact: true });
  await bodyField.fill("Hola {{contact.nmae}}");
  await editor.getByRole("button", { name: "Create template" }).click();
  await editor.locator('textarea[aria-invalid="true"]').waitFor();
  const bodyError = await bodyField.evaluate((el) => el.getAttribute("aria-describedby")?.split(" ").map((id) => document.getElementById(id)?.textContent).join(" | "));
  assert(bodyError.includes("contact.nmae"), `the body's refusal shows "${bodyError}"`);
  assert(!(await api("/templates").then((r) => r.json())).items.some((t) => t.name === templateName), "a refused template was stored");
  await bodyField.fill(body);
  const preview = editor.getByRole("status", { name: "Preview" }).or(editor.locator("output[aria-label=Preview]"));
  await preview.filter({ hasText: "Hoş geldiniz 👋" }).waitFor();
  const previewed = await preview.textContent();
  assert(!previewed.includes("{{"), `the preview still shows a placeholder: ${previewed}`);
  await editor.getByRole("textbox", { name: "Sample contact.firstName" }).fill("Ayşe");
  await preview.filter({ hasText: "Merhaba Ayşe! Hoş geldiniz 👋" }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, "admin-template.png") });
  await checkNames("template editor");
  await editor.getByRole("button", { name: "Create template" }).click();
  const savedEditor = page.getByRole("form", { name: `Template ${templateName}` });
  await savedEditor.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  const templates = await api("/templates").then((r) => r.json());
  const template = templates.items.find((t) => t.name === templateName);
  assert(template && template.body === body, `the API has no such template: ${JSON.stringify(templates)}`);
  assert(JSON.stringify(template.variables) === JSON.stringify(["contact.firstName"]), `the template's variables: ${template.variables}`);
  await savedEditor.getByRole("button", { name: "Close" }).click();
  await page.getByRole("table", { name: "Templates" }).getByRole("row").filter({ hasText: templateName }).filter({ hasText: "contact.firstName" }).waitFor();

  log("conversation settings: the template becomes the account's welcome message");
  await openSection("Conversation settings");
  const account = demo.accounts[0];
  const settings = page.getByRole("form", { name: `Conversation settings of ${account.name}` });
  await settings.getByRole("combobox", { name: "Welcome message source" }).selectOption("template");
  await settings.getByRole("combobox", { name: "Welcome message template" }).selectOption({ label: templateName });
  await settings.getByRole("button", { name: "Save conversation settings" }).click();
  await settings.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  await checkNames("conversation settings");
  const acc = await api(`/accounts/${account.id}`).then((r) => r.json());
  assert(acc.conversation.messages.welcome?.templateId === template.id, `the account's welcome is ${JSON.stringify(acc.conversation.messages.welcome)}`);

  log("a customer's first message gets exactly the template's text");
  const before = botApi.requests.length;
  await customerWrites("Hola, tengo una pregunta");
  const sent = () => botApi.requests.slice(before).filter((r) => r.url.endsWith("/sendMessage")).map((r) => JSON.parse(r.body));
  const deadline = Date.now() + STEP_MS;
  while (!sent().some((m) => m.text === expected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  assert(sent().some((m) => m.text === expected), `the Bot API got ${JSON.stringify(sent().map((m) => m.text))}, expected ${JSON.stringify(expected)}`);
  assert(sent().filter((m) => m.text === expected).length === 1, "the welcome was sent more than once");

  log("deleting the template in use is refused, with where it is used");
  await openSection("Templates");
  const row = page.getByRole("table", { name: "Templates" }).getByRole("row").filter({ hasText: templateName });
  await row.filter({ hasText: account.name }).waitFor();
  await row.getByRole("button", { name: `Delete ${templateName}` }).click();
  const refusal = page.locator(".refusal[role=alert]");
  await refusal.waitFor();
  const used = await refusal.getByRole("list", { name: "Where it is used" }).textContent();
  assert(used.includes(account.name) && /welcome/.test(used), `the refusal lists: ${used}`);
  const deleteAnswer = await api(`/templates/${template.id}`, { method: "DELETE" }).then((r) => r.json());
  assert(deleteAnswer.error?.code === "template_in_use", `the API answered ${JSON.stringify(deleteAnswer)}`);
  assert((await refusal.textContent()).includes(deleteAnswer.error.message), "the screen does not show the API's message");
  assert((await api(`/templates/${template.id}`)).ok, "the template is gone");

  log("the audit log, filtered by action");
  await openSection("Audit log");
  const entries = page.getByRole("table", { name: "Audit entries" });
  await entries.waitFor();
  const filters = page.getByRole("form", { name: "Audit filters" });
  // The actions are the enum the API documents for AuditEntry, offered as choices.
  await filters.getByRole("combobox", { name: "Action" }).selectOption("queue.update");
  await filters.getByRole("button", { name: "Apply filters" }).click();
  await entries.getByRole("row").filter({ hasText: "template.create" }).waitFor({ state: "detached" });
  const actions = await entries.locator("tbody tr td:nth-child(3)").allTextContents();
  assert(actions.length >= 1 && actions.every((a) => a === "queue.update"), `filtered by queue.update the log shows ${JSON.stringify(actions)}`);
  await entries.getByRole("row").filter({ hasText: demo.admin.displayName }).first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, "admin-audit.png") });
  await checkNames("audit log");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SHOTS, "admin-audit-phone.png") });

  log("a supervisor sees the queue and the templates read-only");
  const supervisor = { email: "sofia@demo.local", displayName: "Sofia Supervisor", role: "supervisor", password: "routing-pass-1" };
  const created = await api("/users", { method: "POST", body: JSON.stringify(supervisor) });
  assert(created.status === 201, `creating the supervisor answered ${created.status}`);
  const sup = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  sup.setDefaultTimeout(STEP_MS);
  sup.on("pageerror", (e) => pageErrors.push(String(e)));
  await sup.goto(`${base}/`);
  await sup.getByRole("textbox", { name: "Email" }).fill(supervisor.email);
  await sup.getByLabel("Password").fill(supervisor.password);
  await sup.getByRole("button", { name: "Sign in" }).click();
  await sup.getByRole("button", { name: "Administration" }).click();
  const supNav = sup.getByRole("navigation", { name: "Administration" });
  await supNav.getByRole("button", { name: "Queues", exact: true }).click();
  await sup.getByRole("table", { name: "Queues" }).getByRole("button", { name: `View ${queueName}` }).click();
  const supForm = sup.getByRole("form", { name: `Queue ${queueName}` });
  assert((await supForm.getByRole("spinbutton", { name: "Agent Ring Time" }).getAttribute("readonly")) !== null, "the supervisor may edit the ring time");
  assert((await supForm.getByRole("button", { name: "Save queue" }).count()) === 0, "the supervisor is offered Save queue");
  await supNav.getByRole("button", { name: "Templates", exact: true }).click();
  await sup.getByRole("table", { name: "Templates" }).getByRole("button", { name: `View ${templateName}` }).waitFor();
  assert((await sup.getByRole("button", { name: "New template" }).count()) === 0, "the supervisor is offered New template");
  assert((await sup.getByRole("button", { name: `Delete ${templateName}` }).count()) === 0, "the supervisor is offered Delete");

  assert(pageErrors.length === 0, `errors on the page: ${pageErrors.join("; ")}`);
});
