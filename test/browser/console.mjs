// The supervisor's console in a real browser against the real Worker: `npm run test:browser` runs it
// after the desk's. A supervisor signs in and sees the queue board; a customer's signed webhook
// arrives; an agent on a WebSocket of its own (from node, as any client) accepts the offer; the
// supervisor spies on the ticket, sees its history and a live message, adds a note, and the agent
// gets the note; in Interactions, filters, CSV and a transcript, the advanced search (two conditions,
// a refused value shown at its condition, saved and run again) and deleting one ticket and the
// selected ones where the account lets supervisors. Screenshots go to docs/screenshots/console-*.png.
import { readFileSync } from "node:fs";
import path from "node:path";
import { SHOTS, STEP_TIMEOUT_MS, assert, buildWeb, launchChromium, log, runTest, startStack, unnamedControls } from "./lib.mjs";

/** An agent's socket from node: collects frames, waits for one that matches. */
async function agentSocket(base, token, queueId) {
  const ticket = await fetch(`${base}/api/v1/auth/socket-ticket`, { method: "POST", headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
  const ws = new WebSocket(`${base.replace("http", "ws")}/agent/ws?queue=${queueId}&ticket=${ticket.ticket}`);
  const frames = [];
  const waiters = [];
  ws.onmessage = (ev) => {
    const f = JSON.parse(String(ev.data));
    frames.push(f);
    for (const w of waiters.splice(0)) if (!w.settle(f)) waiters.push(w);
  };
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error("the agent's socket did not open"));
  });
  const next = (match, what) =>
    new Promise((resolve, reject) => {
      const found = frames.find(match);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`the agent got no ${what} (frames: ${frames.map((f) => f.type).join(", ")})`)), STEP_TIMEOUT_MS);
      waiters.push({ settle: (f) => (match(f) ? (clearTimeout(timer), resolve(f), true) : false) });
    });
  return { ws, frames, next, send: (f) => ws.send(JSON.stringify(f)) };
}

await runTest(async () => {
  log("building web/");
  await buildWeb();
  const { base, demo, customerWrites } = await startStack();

  log("an admin adds a supervisor");
  const supervisor = { email: "sofia@demo.local", displayName: "Sofia Supervisor", role: "supervisor", password: "console-pass-1" };
  const created = await fetch(`${base}/api/v1/users`, {
    method: "POST",
    headers: { authorization: `Bearer ${demo.admin.token}`, "content-type": "application/json" },
    body: JSON.stringify(supervisor),
  });
  assert(created.status === 201, `creating the supervisor answered ${created.status}: ${await created.text()}`);

  log("the agent connects from node");
  const agent = await agentSocket(base, demo.agents[0].token, demo.queue.id);
  await agent.next((f) => f.type === "hello", "hello");

  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  const socketUrls = [];
  page.on("websocket", (ws) => socketUrls.push(new URL(ws.url())));

  log("the supervisor signs in and gets the console");
  await page.goto(`${base}/`);
  await page.getByRole("textbox", { name: "Email" }).fill(supervisor.email);
  await page.getByLabel("Password").fill(supervisor.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  const board = page.getByRole("region", { name: "Queue board" });
  await board.waitFor();
  await page.getByRole("status", { name: "Connection" }).filter({ hasText: "Online" }).waitFor();
  const agents = page.getByRole("table", { name: "Agents" });
  await agents.getByRole("row", { name: new RegExp(demo.agents[0].displayName) }).waitFor();
  assert((await page.getByRole("combobox", { name: `State of ${demo.agents[0].displayName}` }).inputValue()) === "online", "the agent's state is not online");
  await board.locator('[data-figure="waiting"]').filter({ hasText: /^0$/ }).waitFor();

  log("a customer writes; the board shows the waiting ticket and the offer in flight");
  await customerWrites("Hello, my order #1234 has not arrived");
  const offer = await agent.next((f) => f.type === "offer", "offer");
  const ticketId = offer.ticket.id;
  const live = page.getByRole("list", { name: "Live tickets" });
  await live.getByRole("listitem").filter({ hasText: `#${ticketId}` }).filter({ hasText: /offered to/ }).waitFor();
  await agents.getByRole("row", { name: new RegExp(demo.agents[0].displayName) }).filter({ hasText: `#${ticketId}` }).waitFor();
  // The figures come from the stats frame, asked again after each change of the board.
  await board.locator('[data-figure="offers"]').filter({ hasText: /^1$/ }).waitFor();
  await board.locator('[data-figure="waiting"]').filter({ hasText: /^1$/ }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, "console-board.png") });

  log("the agent accepts");
  agent.send({ type: "accept", ticketId });
  await agent.next((f) => f.type === "ticket.assigned" && f.ticket.id === ticketId, "ticket.assigned");
  await live.getByRole("listitem").filter({ hasText: `#${ticketId}` }).filter({ hasText: `with ${demo.agents[0].displayName}` }).waitFor();

  log("the supervisor spies: the history, then a live message");
  await page.getByRole("button", { name: `Spy on #${ticketId}` }).click();
  const spied = page.getByRole("log", { name: "Spied conversation" });
  await spied.getByText("Hello, my order #1234 has not arrived").waitFor();
  await page.getByRole("region", { name: "Spy" }).getByText(`with ${demo.agents[0].displayName}`).waitFor();
  await customerWrites("Tracking says it is in Madrid.");
  await spied.getByText("Tracking says it is in Madrid.").waitFor();

  log("the supervisor adds a note; the agent gets it live");
  const noteText = "Offer express reshipping, I approve.";
  await page.getByRole("textbox", { name: "Note text" }).fill(noteText);
  await page.getByRole("button", { name: "Add note" }).click();
  const got = await agent.next((f) => f.type === "message" && f.message.direction === "note" && f.message.body === noteText, "the supervisor's note");
  assert(got.message.ticketId === ticketId, `the note came for ticket ${got.message.ticketId}`);
  await spied.locator("li.msg.note", { hasText: noteText }).waitFor();
  assert((await page.getByRole("textbox", { name: "Note text" }).inputValue()) === "", "the note composer was not cleared");
  const notes = await spied.locator("li.msg.note", { hasText: noteText }).count();
  assert(notes === 1, `the note shows ${notes} times`);
  await page.screenshot({ path: path.join(SHOTS, "console-spy.png") });

  const unnamed = await unnamedControls(page);
  assert(unnamed.length === 0, `controls without an accessible name: ${unnamed.join(", ")}`);

  log("phone width");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("button", { name: "Add note" }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, "console-phone.png"), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  log("the supervisor sets the agent away");
  await page.getByRole("combobox", { name: `State of ${demo.agents[0].displayName}` }).selectOption("away");
  await agent.next((f) => f.type === "presence" && f.status === "away", "presence away");

  log("interactions: filters, full-text search, CSV export and a transcript");
  await page.getByRole("button", { name: "Interactions" }).click();
  const tickets = page.getByRole("table", { name: "Tickets" });
  const row = tickets.getByRole("row").filter({ hasText: `#${ticketId}` });
  await row.filter({ hasText: "Maria Garcia" }).filter({ hasText: "assigned" }).waitFor();
  await page.getByLabel("Status").selectOption("closed");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByText("No tickets match.").waitFor();
  await page.getByLabel("Status").selectOption("");
  const search = async (words, found) => {
    await page.getByRole("searchbox", { name: "Search" }).fill(words);
    await page.getByRole("button", { name: "Filter" }).click();
    // Each answer replaces what the one before showed, so waiting for the change proves the filter applied.
    await (found ? row.waitFor() : page.getByText("No tickets match.").waitFor());
  };
  await search("Madrid", true);
  await search("zanzibar", false);
  await search("Madrid", true);
  await page.screenshot({ path: path.join(SHOTS, "console-interactions.png") });
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
  const csvText = readFileSync(await csv.path(), "utf8");
  assert(csv.suggestedFilename() === "tickets.csv", `the export is named ${csv.suggestedFilename()}`);
  assert(csvText.split("\n")[0].includes("id") && csvText.includes("Maria") && new RegExp(`^"?${ticketId}"?,`, "m").test(csvText), `unexpected export:\n${csvText.slice(0, 400)}`);
  const [zip] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: `Transcript of #${ticketId}` }).click()]);
  const zipBytes = readFileSync(await zip.path());
  assert(zip.suggestedFilename() === `ticket-${ticketId}.zip` && zipBytes.subarray(0, 2).toString() === "PK", `the transcript is ${zip.suggestedFilename()}, ${zipBytes.length} bytes`);
  log(`export: ${csvText.trim().split("\n").length - 1} row(s); transcript: ${zipBytes.length} bytes`);
  const unnamedHere = await unnamedControls(page);
  assert(unnamedHere.length === 0, `controls without an accessible name: ${unnamedHere.join(", ")}`);

  log("another customer writes: a second ticket, waiting (the agent is away)");
  const account = demo.accounts[0];
  const webhook = await fetch(`${base}/webhooks/telegram/${account.key}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": account.secretToken },
    body: JSON.stringify({
      update_id: 9001,
      message: {
        message_id: 9001,
        date: Math.floor(Date.now() / 1000),
        chat: { id: 777002, type: "private", first_name: "Jonas" },
        from: { id: 777002, is_bot: false, first_name: "Jonas", last_name: "Berg" },
        text: "Do you ship to Madrid and Oslo?",
      },
    }),
  });
  assert(webhook.ok, `the second webhook answered ${webhook.status}`);
  await page.getByRole("button", { name: "Filter" }).click();
  const otherRow = tickets.getByRole("row").filter({ hasText: "Jonas Berg" });
  await otherRow.waitFor();
  const otherId = Number((await otherRow.getByRole("cell").nth(1).innerText()).replace("#", ""));
  assert(otherId > ticketId, `the second ticket is #${otherId}`);
  const rowOf = (id) => tickets.getByRole("row").filter({ has: page.getByRole("button", { name: `Transcript of #${id}`, exact: true }) });

  log("advanced search: two conditions find the right ticket");
  await page.getByRole("button", { name: "Advanced search" }).click();
  const builder = page.getByRole("form", { name: "Advanced search" });
  const condition = (n) => builder.getByRole("group", { name: `Condition ${n}`, exact: true });
  await condition(1).getByRole("combobox", { name: "Field of condition 1" }).selectOption("contactName");
  await condition(1).getByRole("combobox", { name: "Operator of condition 1" }).selectOption("contains");
  await condition(1).getByRole("textbox", { name: "Value of condition 1" }).fill("maria");
  await builder.getByRole("button", { name: "Add condition" }).click();
  await condition(2).getByRole("combobox", { name: "Field of condition 2" }).selectOption("messageText");
  await condition(2).getByRole("textbox", { name: "Value of condition 2" }).fill("Madrid");
  await builder.getByRole("button", { name: "Search", exact: true }).click();
  await rowOf(otherId).waitFor({ state: "detached" });
  await rowOf(ticketId).waitFor();
  assert((await tickets.getByRole("row").count()) === 2, "the search found more than the one ticket");

  log("a wrong value shows the API's message at its condition");
  await condition(2).getByRole("combobox", { name: "Field of condition 2" }).selectOption("firstResponseSeconds");
  await condition(2).getByRole("combobox", { name: "Operator of condition 2" }).selectOption("greater_than");
  await condition(2).getByRole("textbox", { name: "Value of condition 2" }).fill("soon");
  await builder.getByRole("button", { name: "Search", exact: true }).click();
  const refused = await fetch(`${base}/api/v1/tickets/search`, {
    method: "POST",
    headers: { authorization: `Bearer ${demo.admin.token}`, "content-type": "application/json" },
    body: JSON.stringify({ match: "all", conditions: [{ field: "contactName", op: "contains", value: "maria" }, { field: "firstResponseSeconds", op: "greater_than", value: "soon" }] }),
  }).then((r) => r.json());
  const apiMessage = refused.error.details.find((d) => d.path === "conditions.1").message;
  await condition(2).getByText(apiMessage, { exact: true }).waitFor();
  assert((await condition(1).getByText(apiMessage).count()) === 0, "the message shows at the first condition too");
  assert(
    (await condition(2).getByRole("textbox", { name: "Value of condition 2" }).getAttribute("aria-invalid")) === "true",
    "the refused value is not marked invalid",
  );

  log("the search saved, shared, and run again");
  await condition(2).getByRole("combobox", { name: "Field of condition 2" }).selectOption("messageText");
  await condition(2).getByRole("textbox", { name: "Value of condition 2" }).fill("Madrid");
  await builder.getByRole("button", { name: "Search", exact: true }).click();
  await rowOf(ticketId).waitFor();
  const savedPanel = page.getByRole("region", { name: "Saved searches" });
  await savedPanel.getByRole("textbox", { name: "Search name" }).fill("Maria in Madrid");
  await savedPanel.getByRole("checkbox", { name: "Share with the team" }).check();
  await savedPanel.getByRole("button", { name: "Save search" }).click();
  await savedPanel.getByRole("button", { name: "Run saved search Maria in Madrid" }).waitFor();
  const stored = await fetch(`${base}/api/v1/saved-searches`, { headers: { authorization: `Bearer ${demo.admin.token}` } }).then((r) => r.json());
  const kept = stored.items.find((x) => x.name === "Maria in Madrid");
  assert(kept?.shared === true && kept.conditions.length === 2 && kept.conditions[1].value === "Madrid", `saved: ${JSON.stringify(stored.items)}`);
  // Back to every ticket and a fresh builder, then the saved search brings its conditions and results back.
  await page.getByRole("button", { name: "Simple filters" }).click();
  await rowOf(otherId).waitFor();
  await page.getByRole("button", { name: "Advanced search" }).click();
  await savedPanel.getByRole("button", { name: "Run saved search Maria in Madrid" }).click();
  await rowOf(otherId).waitFor({ state: "detached" });
  await rowOf(ticketId).waitFor();
  assert((await condition(2).getByRole("textbox", { name: "Value of condition 2" }).inputValue()) === "Madrid", "the saved conditions did not come back");
  await page.screenshot({ path: path.join(SHOTS, "console-advanced-search.png") });
  const unnamedBuilder = await unnamedControls(page);
  assert(unnamedBuilder.length === 0, `controls without an accessible name: ${unnamedBuilder.join(", ")}`);
  const [searchCsv] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export CSV" }).click()]);
  const searchCsvText = readFileSync(await searchCsv.path(), "utf8");
  assert(searchCsvText.includes("Maria") && !searchCsvText.includes("Jonas"), `the search's export:\n${searchCsvText.slice(0, 400)}`);
  await savedPanel.getByRole("button", { name: "Delete saved search Maria in Madrid" }).click();
  await savedPanel.getByText("No saved searches yet.").waitFor();

  log("deleting: only where the account lets supervisors, the API's refusal shown, then a ticket gone");
  await page.getByRole("button", { name: "Simple filters" }).click();
  await rowOf(otherId).waitFor();
  assert((await page.getByRole("button", { name: /^Delete ticket/ }).count()) === 0, "a supervisor may delete where the account does not allow it");
  const mayDelete = async (on) => {
    const acc = await fetch(`${base}/api/v1/accounts/${account.id}`, { headers: { authorization: `Bearer ${demo.admin.token}` } }).then((r) => r.json());
    const res = await fetch(`${base}/api/v1/accounts/${account.id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${demo.admin.token}`, "content-type": "application/json" },
      body: JSON.stringify({ conversation: { ...acc.conversation, supervisorsMayDelete: on } }),
    });
    assert(res.ok, `setting supervisorsMayDelete answered ${res.status}: ${await res.text()}`);
  };
  await mayDelete(true);
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("button", { name: `Delete ticket ${otherId}`, exact: true }).waitFor();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SHOTS, "console-interactions-phone.png"), fullPage: true });
  const unnamedPhone = await unnamedControls(page);
  assert(unnamedPhone.length === 0, `controls without an accessible name: ${unnamedPhone.join(", ")}`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await mayDelete(false);
  const confirm = page.getByRole("dialog", { name: `Delete ticket #${otherId}?` });
  await page.getByRole("button", { name: `Delete ticket ${otherId}`, exact: true }).click();
  await confirm.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByRole("alert").filter({ hasText: "supervisorsMayDelete" }).waitFor();
  await page.getByRole("button", { name: `Delete ticket ${otherId}`, exact: true }).waitFor({ state: "detached" });
  assert((await fetch(`${base}/api/v1/tickets/${otherId}`, { headers: { authorization: `Bearer ${demo.admin.token}` } })).status === 200, "the refused ticket is gone");
  await mayDelete(true);
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByRole("button", { name: `Delete ticket ${otherId}`, exact: true }).click();
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await confirm.waitFor({ state: "hidden" });
  await rowOf(otherId).waitFor();
  await page.getByRole("button", { name: `Delete ticket ${otherId}`, exact: true }).click();
  await confirm.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByRole("status").filter({ hasText: `Deleted ticket #${otherId}.` }).waitFor();
  await rowOf(otherId).waitFor({ state: "detached" });
  const ticketStatus = async (id) => (await fetch(`${base}/api/v1/tickets/${id}`, { headers: { authorization: `Bearer ${demo.admin.token}` } })).status;
  assert((await ticketStatus(otherId)) === 404, `GET the deleted ticket answered ${await ticketStatus(otherId)}`);

  log("deleting the selected tickets: the agent's ticket goes, and the agent is told");
  await page.getByRole("checkbox", { name: `Select ticket ${ticketId}` }).check();
  const [picked] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export selected (1)" }).click()]);
  const pickedRows = readFileSync(await picked.path(), "utf8").trim().split("\n").slice(1);
  assert(pickedRows.length === 1 && pickedRows[0].startsWith(`${ticketId},`), `the selected export: ${pickedRows.join(" | ")}`);
  await page.getByRole("button", { name: "Delete selected (1)" }).click();
  await page.getByRole("dialog", { name: `Delete ticket #${ticketId}?` }).getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByText("No tickets match.").waitFor();
  assert((await ticketStatus(ticketId)) === 404, "GET the deleted ticket did not answer 404");
  await agent.next((f) => f.type === "ticket.deleted" && f.ticketId === ticketId, "ticket.deleted");
  await page.getByRole("button", { name: "Board" }).click();
  await live.getByRole("listitem").filter({ hasText: `#${ticketId}` }).waitFor({ state: "detached" });

  assert(socketUrls.length >= 1 && socketUrls.every((u) => u.pathname === "/supervisor/ws" && u.searchParams.has("ticket") && !u.searchParams.has("access_token")), `sockets: ${socketUrls.map(String).join(", ")}`);
  assert(pageErrors.length === 0, `errors in the page: ${pageErrors.join("; ")}`);
  agent.ws.close();
});
