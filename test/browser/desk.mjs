// The agent's desk in a real browser against the real Worker: `npm run test:browser`.
// Builds web/, starts `wrangler dev` on a free port with its own throwaway local state, seeds the
// demo (queue, agents, a Telegram account whose Bot API is a stand-in here), and drives Debian's
// Chromium with playwright-core through an agent's first conversation: sign in, a customer's signed
// webhook becomes an offer, Accept, the history, a reply the stand-in receives and the tick that
// turns to sent, an internal note, a dropped socket that resumes with nothing missed, closing (the account's
// dispositions offered from the start, a required one asked for at the select before anything is sent), a pick-only
// queue's ticket that waited before the desk connected, listed and picked, and a second queue worked at
// once (offers from both, presence in both, one queue's socket dropped and resumed) with a reply the
// provider refuses, resent.
// Screenshots go to docs/screenshots/desk-*.png. Exits non-zero on the first failure.
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { ROOT, SHOTS, STEP_TIMEOUT_MS, assert, buildWeb, launchChromium, log, runTest, startStack, unnamedControls } from "./lib.mjs";

async function main() {
  log("building web/");
  await buildWeb();

  // The build this run serves: WEB_OUT_DIR when given (see lib.mjs), else web/dist.
  const assetsDir = path.join(process.env.WEB_OUT_DIR ? path.resolve(process.env.WEB_OUT_DIR) : path.join(ROOT, "web", "dist"), "assets");
  const jsGzip = readdirSync(assetsDir)
    .filter((f) => f.endsWith(".js"))
    .reduce((n, f) => n + gzipSync(readFileSync(path.join(assetsDir, f))).length, 0);
  log(`the desk's JavaScript: ${(jsGzip / 1024).toFixed(1)} KB gzipped`);
  assert(jsGzip <= 200 * 1024, `the desk's JavaScript is ${jsGzip} bytes gzipped, over 200 KB`);

  const conversation = JSON.stringify({ dispositions: ["resolved", "follow-up"], mandatoryDisposition: true });
  // A second queue, Returns, with both agents and a Telegram account of its own (the demo's bot).
  const returns = { id: "q-returns", name: "Returns", key: "returns-demo-key" };
  const secondQueue = [
    `INSERT INTO queues (id, name, routing) SELECT '${returns.id}', '${returns.name}', routing FROM queues;`,
    `INSERT INTO queue_members (queue_id, user_id) SELECT '${returns.id}', user_id FROM queue_members;`,
    `INSERT INTO channel_accounts (id, provider, key, name, queue_id, settings, credentials, status, short_key)
       SELECT 'acc-returns', provider, '${returns.key}', 'Returns bot', '${returns.id}', settings, credentials, status, 'RET' FROM channel_accounts;`,
    // Room for the conversations of both queues at the end.
    "UPDATE users SET capacity = 6;",
  ].join("\n");
  const { base, demo, botApi, customerWrites, hubLog } = await startStack({ extraSql: `${secondQueue}\nUPDATE channel_accounts SET conversation = '${conversation}';\n` });
  const agent = demo.agents[0];

  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  const socketUrls = [];
  page.on("websocket", (ws) => socketUrls.push(new URL(ws.url())));
  // Every frame the desk sends, on any socket.
  const framesSent = [];
  page.on("websocket", (ws) => ws.on("framesent", (f) => typeof f.payload === "string" && framesSent.push(JSON.parse(f.payload))));
  mkdirSync(SHOTS, { recursive: true });

  log("sign in");
  const t0 = Date.now();
  await page.goto(`${base}/`);
  await page.getByRole("textbox", { name: "Email" }).waitFor();
  const fcp = await page.evaluate(
    () =>
      new Promise((resolve) => {
        new PerformanceObserver((list) => {
          const entry = list.getEntriesByName("first-contentful-paint")[0];
          if (entry) resolve(entry.startTime);
        }).observe({ type: "paint", buffered: true });
        setTimeout(() => resolve(null), 5000);
      }),
  );
  log(`sign-in screen shown ${Date.now() - t0} ms after navigation; first contentful paint at ${Math.round(fcp)} ms`);
  assert(fcp !== null && fcp <= 1000, `first contentful paint at ${fcp} ms`);
  await page.screenshot({ path: path.join(SHOTS, "desk-sign-in.png") });
  await page.getByRole("textbox", { name: "Email" }).fill(agent.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "Invalid email or password" }).waitFor();
  await page.getByLabel("Password").fill(agent.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  const connection = page.getByRole("status", { name: "Connection" });
  await connection.filter({ hasText: "Online" }).waitFor();
  const myQueues = page.getByRole("list", { name: "Your queues" }).getByRole("listitem");
  await myQueues.nth(1).waitFor();
  assert((await myQueues.allInnerTexts()).sort().join("|") === "Returns|Support", `the desk works the queues ${await myQueues.allInnerTexts()}`);

  log("a customer writes; the offer shows");
  await customerWrites("Hello, my order #1234 has not arrived");
  const offer = page.getByRole("article", { name: /Offer from Maria/ });
  await offer.waitFor();
  await offer.getByText("Hello, my order #1234 has not arrived").waitFor();
  await offer.getByRole("timer").filter({ hasText: /^\d+s$/ }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, "desk-offer.png") });
  await page.getByRole("button", { name: "Accept" }).click();

  log("accepted; the history shows");
  const history = page.getByRole("log", { name: "History" });
  await history.getByText("Hello, my order #1234 has not arrived").waitFor();
  await offer.waitFor({ state: "detached" });
  await page.getByRole("navigation", { name: "Conversations" }).getByRole("button", { name: /Maria/ }).waitFor();

  log("the account's dispositions are offered from the start, required");
  const dispositionSelect = page.getByRole("combobox", { name: "Disposition", exact: true });
  await dispositionSelect.locator("option", { hasText: "follow-up" }).waitFor({ state: "attached" });
  assert(await dispositionSelect.isVisible(), "the Disposition select is not visible before any close");
  const dispositionOptions = await dispositionSelect.locator("option").allInnerTexts();
  assert(dispositionOptions.join("|") === "required…|resolved|follow-up", `the Disposition select offers ${dispositionOptions.join("|")}`);
  assert(await dispositionSelect.evaluate((el) => el.required), "the Disposition select is not marked required");
  assert(!framesSent.some((f) => f.type === "close"), "a close was sent before the agent closed");

  log("reply; the stand-in receives it and the tick turns to sent");
  const reply = "Sorry to hear that, Maria. Let me check the tracking.";
  await page.getByRole("textbox", { name: "Message" }).fill(reply);
  await page.getByRole("button", { name: "Send" }).click();
  const sentTick = history.locator("li.msg.out", { hasText: reply }).locator('.tick[data-status="sent"]');
  await sentTick.waitFor();
  const sends = botApi.requests.filter((r) => r.url.endsWith("/sendMessage"));
  assert(sends.length === 1, `the stand-in got ${sends.length} sendMessage requests`);
  const sent = sends[0];
  assert(sent.method === "POST" && sent.url === `/bot123456789:AAH-demo-token-not-real-xxxxxxxxxx/sendMessage`, `unexpected request ${sent.method} ${sent.url}`);
  assert(/application\/json/.test(sent.contentType ?? ""), `content type ${sent.contentType}`);
  const body = JSON.parse(sent.body);
  assert(body.chat_id === 777001 && body.text === reply, `unexpected sendMessage body ${sent.body}`);
  assert((await page.getByRole("textbox", { name: "Message" }).inputValue()) === "", "the composer was not cleared");

  log("internal note");
  await page.getByRole("button", { name: "Note" }).click();
  assert((await page.getByRole("button", { name: "Note" }).getAttribute("aria-pressed")) === "true", "note mode is not pressed");
  await page.getByRole("textbox", { name: "Message" }).fill("Customer is a repeat buyer; offer express reshipping.");
  await page.getByRole("button", { name: "Send" }).click();
  await history.locator("li.msg.note", { hasText: "offer express reshipping" }).waitFor();
  assert(botApi.requests.length === 1, "a note reached the provider");
  await page.getByRole("button", { name: "Note" }).click();

  log("edit the sent reply (Telegram allows it)");
  const edited = "Sorry to hear that, Maria. Let me check the tracking right away.";
  await page.getByRole("button", { name: "Edit this reply" }).click();
  await page.getByRole("textbox", { name: "Message" }).fill(edited);
  await page.getByRole("button", { name: "Save edit" }).click();
  await history.locator("li.msg.out", { hasText: edited }).getByText("edited").waitFor();
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (!botApi.requests.some((r) => r.url.endsWith("/editMessageText")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const edit = botApi.requests.find((r) => r.url.endsWith("/editMessageText"));
  assert(edit, "the stand-in got no editMessageText");
  assert(JSON.stringify(JSON.parse(edit.body)) === JSON.stringify({ chat_id: 777001, message_id: 100, text: edited }), `unexpected editMessageText body ${edit.body}`);
  await page.getByRole("button", { name: "Send" }).waitFor();
  await history.locator("li.msg.out", { hasText: edited }).getByRole("button", { name: "Earlier versions" }).click();
  await history.locator("li.msg.out", { hasText: edited }).getByRole("list", { name: "Earlier versions" }).getByText(reply, { exact: true }).waitFor();

  await customerWrites("Thanks! It was supposed to come on Monday.");
  await history.getByText("It was supposed to come on Monday.").waitFor();
  log("subject and tags");
  await page.getByText("Subject, tags and other tickets").click();
  await page.getByText("No other open tickets of this customer.").waitFor();
  await page.getByRole("textbox", { name: "Subject" }).fill("Late delivery");
  await page.getByRole("textbox", { name: "Tags" }).fill("shipping, urgent");
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator(".conv-head .meta", { hasText: "Late delivery · shipping, urgent" }).waitFor();
  await page.getByText("Subject, tags and other tickets").click();
  // Nothing chosen to transfer to: the control says so; the agent's other queue is offered.
  assert(await page.getByRole("button", { name: "Transfer" }).isDisabled(), "Transfer is enabled with no destination chosen");
  const toQueue = page.getByRole("combobox", { name: "Transfer to", exact: true });
  assert((await toQueue.locator("option").allInnerTexts()).join("|") === "a queue…|Returns", `transfer offers the queues ${await toQueue.locator("option").allInnerTexts()}`);
  // Colleagues of the queue are listed by name to transfer to (the desk's own agent is not).
  const toAgent = page.getByRole("combobox", { name: "Transfer to agent" });
  await toAgent.locator("option", { hasText: demo.agents[1].displayName }).waitFor({ state: "attached" });
  assert((await toAgent.locator("option", { hasText: agent.displayName }).count()) === 0, "the agent is offered a transfer to themselves");
  await toAgent.selectOption({ label: demo.agents[1].displayName });
  assert(await page.getByRole("button", { name: "Transfer" }).isEnabled(), "Transfer stays disabled with a colleague chosen");
  await toAgent.selectOption("");
  await page.screenshot({ path: path.join(SHOTS, "desk-conversation.png") });

  const unnamed = await unnamedControls(page);
  assert(unnamed.length === 0, `controls without an accessible name: ${unnamed.join(", ")}`);

  log("the socket drops; the customer writes meanwhile; the desk resumes with nothing missed");
  await page.evaluate(() => window.deskSockets.Support.drop());
  await connection.filter({ hasText: /Support: (Reconnecting|Connection lost)/ }).waitFor();
  await customerWrites("Are you still there?");
  await customerWrites("Tracking says it is in Madrid.");
  await connection.filter({ hasText: /Reconnected: \d+ missed event/ }).waitFor();
  await history.getByText("Are you still there?").waitFor();
  await history.getByText("Tracking says it is in Madrid.").waitFor();
  // The open conversation is read: its unread badge goes once the replayed messages are in.
  await page.getByRole("navigation", { name: "Conversations" }).getByLabel(/unread/).waitFor({ state: "detached" });
  const texts = await history.locator("li.msg p.body").allInnerTexts();
  for (const t of new Set(texts)) assert(texts.filter((x) => x === t).length === 1, `"${t}" shows twice after the resume`);
  log(`after resume: ${await connection.innerText()}`);

  log("phone width");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("button", { name: "Close ticket" }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, "desk-phone.png") });
  await page.setViewportSize({ width: 1280, height: 800 });

  log("close: without a disposition the desk says why at the select, sending nothing; then with one");
  const closedId = Number((await page.locator(".conv-head .meta").first().innerText()).match(/#(\d+)/)[1]);
  await page.getByRole("button", { name: "Close ticket" }).click();
  const why = page.getByRole("alert").filter({ hasText: "Closing needs a disposition, one of: resolved, follow-up" });
  await why.waitFor();
  const describedBy = await dispositionSelect.getAttribute("aria-describedby");
  assert(describedBy && describedBy === (await why.getAttribute("id")), `the reason is not the select's description (aria-describedby ${describedBy})`);
  assert((await dispositionSelect.getAttribute("aria-invalid")) === "true", "the select is not marked invalid");
  assert(await dispositionSelect.evaluate((el) => el === document.activeElement), "the select does not have the focus");
  await page.screenshot({ path: path.join(SHOTS, "desk-disposition-required.png") });
  assert(!framesSent.some((f) => f.type === "close"), "a close without a disposition reached the hub");
  await dispositionSelect.selectOption("resolved");
  await why.waitFor({ state: "detached" });
  await page.getByRole("button", { name: "Close ticket" }).click();
  await page.getByRole("navigation", { name: "Conversations" }).getByRole("button", { name: /Maria/ }).waitFor({ state: "detached" });
  const closes = framesSent.filter((f) => f.type === "close");
  assert(closes.length === 1 && closes[0].ticketId === closedId && closes[0].disposition === "resolved", `the desk sent ${JSON.stringify(closes)}`);
  const closedTicket = await fetch(`${base}/api/v1/tickets/${closedId}`, { headers: { authorization: `Bearer ${demo.admin.token}` } });
  assert(closedTicket.ok, `reading the closed ticket answered ${closedTicket.status}`);
  const { ticket: stored, closing } = await closedTicket.json();
  assert(stored.status === "closed" && stored.disposition === "resolved" && stored.closedBy === agent.id, `the ticket is stored as ${JSON.stringify(stored)}`);
  assert(JSON.stringify(closing) === JSON.stringify({ dispositions: ["resolved", "follow-up"], dispositionRequired: true }), `closing ${JSON.stringify(closing)}`);

  log("shortcuts help");
  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await help.waitFor();
  await page.keyboard.press("Escape");
  await help.waitFor({ state: "hidden" });

  log("a second conversation, accepted with Alt+A; 2,000 messages in it, scrolled");
  await customerWrites("One more thing: can I change the address?");
  await page.getByRole("article", { name: /Offer from Maria/ }).waitFor();
  await page.keyboard.press("Alt+A");
  await history.getByText("One more thing: can I change the address?").waitFor();
  const perf = await page.evaluate(async () => {
    const on = window.deskSockets.Support.on;
    const ticketId = Number(document.querySelector(".conv-head .meta").textContent.match(/#(\d+)/)[1]);
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++) {
      const direction = i % 3 === 0 ? "out" : "in";
      // seq 0: past every number the desk has, so its resume point stays where it is.
      on.frame({
        type: "message",
        seq: 0,
        message: {
          id: 1_000_000 + i, ticketId, direction, body: `Message ${i}: ${"lorem ipsum dolor sit amet ".repeat(1 + (i % 4))}`,
          attachments: [], status: direction === "out" ? "delivered" : "received", statusReason: null, authorId: null,
          createdAt: Date.now(), editedAt: null, deletedAt: null, reaction: null,
        },
      });
    }
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    await frame();
    await frame();
    const renderMs = performance.now() - t0;
    const log = document.querySelector('[role="log"]');
    const rendered = log.querySelectorAll("li.msg").length;
    // Scroll up from the latest message to the first, a screenful a frame (a fast flick).
    const gaps = [];
    let mostRendered = 0;
    let last = performance.now();
    for (let i = 0; i < 600 && !log.querySelector('[data-message-id="1000000"]'); i++) {
      log.scrollTop -= log.clientHeight;
      await frame();
      const now = performance.now();
      gaps.push(now - last);
      last = now;
      mostRendered = Math.max(mostRendered, log.querySelectorAll("li.msg").length);
    }
    const reachedFirst = Boolean(log.querySelector('[data-message-id="1000000"]'));
    for (let i = 0; i < 600 && !log.querySelector('[data-message-id="1001999"]'); i++) {
      log.scrollTop += log.clientHeight;
      await frame();
      mostRendered = Math.max(mostRendered, log.querySelectorAll("li.msg").length);
    }
    const reachedLastAgain = Boolean(log.querySelector('[data-message-id="1001999"]'));
    gaps.sort((a, b) => a - b);
    return {
      rendered,
      mostRendered,
      renderMs: Math.round(renderMs),
      frames: gaps.length,
      reachedFirst,
      reachedLastAgain,
      p50FrameMs: Math.round(gaps[Math.floor(gaps.length * 0.5)]),
      p95FrameMs: Math.round(gaps[Math.floor(gaps.length * 0.95)]),
      maxFrameMs: Math.round(gaps.at(-1)),
    };
  });
  log(
    `2,000 messages: the latest ${perf.rendered} rendered in ${perf.renderMs} ms; scrolled up to the first in ${perf.frames} frames, ` +
      `frame p50 ${perf.p50FrameMs} ms, p95 ${perf.p95FrameMs} ms, max ${perf.maxFrameMs} ms, at most ${perf.mostRendered} messages in the page`,
  );
  assert(perf.reachedFirst, "scrolling up did not reach the first of 2,000 messages");
  assert(perf.reachedLastAgain, "scrolling down again did not reach the latest message");
  // Frame times depend on the machine; what keeps them low is that the page never holds the whole history.
  assert(perf.mostRendered <= 300, `${perf.mostRendered} of 2,000 messages were in the page at once`);

  // Every socket, the resumed one too, was opened with a single-use ticket, never the API token.
  assert(socketUrls.length >= 2, `${socketUrls.length} sockets opened`);
  for (const u of socketUrls) assert(u.searchParams.has("ticket") && !u.searchParams.has("access_token"), `socket opened as ${u.pathname}?${[...u.searchParams.keys()].join("&")}`);
  // The dropped Support socket resumed with lastSeq (the Returns one, with no frames yet, may open without).
  const supportSockets = socketUrls.filter((u) => u.searchParams.get("queue") === demo.queue.id);
  assert(supportSockets.slice(1).some((u) => u.searchParams.get("lastSeq") !== null), "the resumed socket did not give lastSeq");

  log("Close Auto Assign: a ticket that waited before the desk connected is listed to pick");
  const patched = await fetch(`${base}/api/v1/queues/${demo.queue.id}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${demo.admin.token}`, "content-type": "application/json" },
    body: JSON.stringify({ routing: { closeAutoAssign: true } }),
  });
  assert(patched.ok, `making the queue pick-only answered ${patched.status}`);
  await page.goto("about:blank");
  const account = demo.accounts[0];
  const pedro = await fetch(`${base}/webhooks/telegram/${account.key}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": account.secretToken },
    body: JSON.stringify({
      update_id: 9_000,
      message: {
        message_id: 9_000,
        date: Math.floor(Date.now() / 1000),
        chat: { id: 777002, type: "private", first_name: "Pedro" },
        from: { id: 777002, is_bot: false, first_name: "Pedro" },
        text: "Can I return a jacket?",
      },
    }),
  });
  assert(pedro.ok, `webhook answered ${pedro.status}`);
  await page.goto(`${base}/`);
  await connection.filter({ hasText: "Online" }).waitFor();
  const waiting = page.getByRole("navigation", { name: "Conversations" }).locator("ul.waiting li", { hasText: "Can I return a jacket?" });
  await waiting.waitFor();
  await waiting.getByRole("button", { name: /^Pick Pedro/ }).click();
  await waiting.waitFor({ state: "detached" });
  await page.getByRole("navigation", { name: "Conversations" }).getByRole("button", { name: /Pedro/ }).click();
  await history.getByText("Can I return a jacket?").waitFor();

  log("two queues at once: offers from both, each marked with its queue");
  const unpick = await fetch(`${base}/api/v1/queues/${demo.queue.id}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${demo.admin.token}`, "content-type": "application/json" },
    body: JSON.stringify({ routing: { closeAutoAssign: false } }),
  });
  assert(unpick.ok, `making the queue offer again answered ${unpick.status}`);
  let updateId = 20_000;
  const writes = (accountKey, chatId, firstName, text) =>
    fetch(`${base}/webhooks/telegram/${accountKey}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": account.secretToken },
      body: JSON.stringify({
        update_id: ++updateId,
        message: { message_id: updateId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: "private", first_name: firstName }, from: { id: chatId, is_bot: false, first_name: firstName }, text },
      }),
    }).then((r) => assert(r.ok, `webhook answered ${r.status}`));
  await writes(returns.key, 777003, "Lena", "I want to return my boots");
  await writes(account.key, 777004, "Omar", "Where is my invoice?");
  const lenaOffer = page.getByRole("article", { name: "Offer from Lena in Returns" });
  const omarOffer = page.getByRole("article", { name: "Offer from Omar in Support" });
  await lenaOffer.waitFor();
  await omarOffer.waitFor();
  await lenaOffer.getByText("Returns", { exact: true }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, "desk-two-queues.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(SHOTS, "desk-phone-offers.png") });
  await page.setViewportSize({ width: 1280, height: 800 });
  await lenaOffer.getByRole("button", { name: "Accept" }).click();
  await history.getByText("I want to return my boots").waitFor();
  await omarOffer.getByRole("button", { name: "Accept" }).click();
  await history.getByText("Where is my invoice?").waitFor();
  const mine = page.getByRole("navigation", { name: "Conversations" });
  await mine.getByRole("button", { name: /Lena.*Returns/ }).waitFor();
  // The account's short Key shows before the name, where the account has one.
  await mine.getByRole("button", { name: /Lena/ }).locator("abbr", { hasText: "RET" }).waitFor();
  assert((await mine.getByRole("button", { name: /Omar/ }).locator("abbr").count()) === 0, "a Key shows for an account without one");
  await mine.getByRole("button", { name: /Omar.*Support/ }).waitFor();

  log("presence applies to every queue");
  const agentState = async (queueId) => {
    const res = await fetch(`${base}/api/v1/queues/${queueId}/stats`, { headers: { authorization: `Bearer ${demo.admin.token}` } });
    assert(res.ok, `stats answered ${res.status}`);
    return (await res.json()).agents.find((a) => a.id === agent.id)?.status;
  };
  const waitForStates = async (want) => {
    const until = Date.now() + STEP_TIMEOUT_MS;
    let got;
    while (Date.now() < until) {
      got = [await agentState(demo.queue.id), await agentState(returns.id)];
      if (got.every((s) => s === want)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the agent is ${got} in Support and Returns, not ${want}`);
  };
  await page.getByRole("combobox", { name: "Presence" }).selectOption("away");
  await waitForStates("away");
  await page.getByRole("combobox", { name: "Presence" }).selectOption("online");
  await waitForStates("online");

  log("one queue's socket drops: the connection names it, and it resumes with nothing missed");
  await page.evaluate(() => window.deskSockets.Returns.drop());
  await connection.filter({ hasText: /Returns: (Reconnecting|Connection lost)/ }).waitFor();
  await writes(returns.key, 777003, "Lena", "They are size 42");
  await connection.filter({ hasText: /Returns: Reconnected: \d+ missed event/ }).waitFor();
  await mine.getByRole("button", { name: /Lena/ }).click();
  await history.getByText("They are size 42").waitFor();

  log("a reply the provider refuses: the failed tick with the reason, Resend, then sent");
  botApi.refuse.push({ status: 400, description: "Bad Request: chat not found" });
  const before = botApi.requests.filter((r) => r.url.endsWith("/sendMessage")).length;
  const refused = "Please send them back with the label we emailed you.";
  await page.getByRole("textbox", { name: "Message" }).fill(refused);
  await page.getByRole("button", { name: "Send" }).click();
  const refusedReply = history.locator("li.msg.out", { hasText: refused });
  await refusedReply.locator('.tick[data-status="failed"]', { hasText: "Bad Request: chat not found" }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, "desk-failed-reply.png") });
  await refusedReply.getByRole("button", { name: "Resend" }).click();
  await refusedReply.locator('.tick[data-status="sent"]').waitFor();
  const resends = botApi.requests.filter((r) => r.url.endsWith("/sendMessage")).slice(before);
  assert(resends.length === 2, `the stand-in got ${resends.length} sendMessage requests for the refused reply`);
  for (const r of resends) assert(JSON.parse(r.body).chat_id === 777003 && JSON.parse(r.body).text === refused, `unexpected sendMessage body ${r.body}`);
  assert((await history.locator("li.msg.out", { hasText: refused }).count()) === 1, "the resent reply shows twice");
  assert((await refusedReply.getByRole("button", { name: "Resend" }).count()) === 0, "Resend stays after the reply was sent");
  const unnamedAtEnd = await unnamedControls(page);
  assert(unnamedAtEnd.length === 0, `controls without an accessible name: ${unnamedAtEnd.join(", ")}`);

  assert(pageErrors.length === 0, `errors in the page: ${pageErrors.join("; ")}`);
  void hubLog;
}

await runTest(main);
