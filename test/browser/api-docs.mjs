// The API reference page in a real browser against the real Worker, offline: every request that
// does not go to the hub is blocked (and must not be tried). Swagger UI loads from the Worker's own
// assets, lists the operations, takes a token from login through Authorize, and runs
// "Try it out" on GET /api/v1/me, which answers 200; creating an account offers an example per provider. Screenshots: docs/screenshots/api-docs*.png.
import path from "node:path";
import { HOST, SHOTS, STEP_TIMEOUT_MS, assert, buildWeb, launchChromium, log, runTest, startStack } from "./lib.mjs";

await runTest(async () => {
  log("building web/");
  await buildWeb();
  const { base, demo } = await startStack();

  const bundle = await fetch(`${base}/api-reference/swagger-ui-bundle.js`);
  assert(bundle.status === 200 && /javascript/.test(bundle.headers.get("content-type") ?? ""), `the Swagger UI bundle is served: ${bundle.status} ${bundle.headers.get("content-type")}`);
  await bundle.arrayBuffer();

  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const tried = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === HOST || url.hostname === "localhost") return route.continue();
    tried.push(url.href);
    return route.abort("internetdisconnected");
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  const authorizations = [];
  page.on("request", (r) => r.url().endsWith("/api/v1/me") && authorizations.push(r.headers().authorization ?? null));

  log("opening /api/docs");
  await page.goto(`${base}/api/docs`);
  await page.getByRole("heading", { name: /channel-hub/ }).first().waitFor();
  const operations = page.locator(".opblock");
  await operations.first().waitFor();
  const count = await operations.count();
  assert(count >= 60, `the page lists the operations (${count})`);
  for (const tag of ["auth", "accounts", "tickets", "webhooks", "sockets"]) {
    await page.getByRole("heading", { name: new RegExp(`^${tag}\\b`) }).first().waitFor();
  }
  await page.screenshot({ path: path.join(SHOTS, "api-docs.png") });

  log("authorizing with a token from login");
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: demo.admin.email, password: demo.admin.password }),
  });
  assert(login.status === 200, `login answered ${login.status}`);
  const { token } = await login.json();
  await page.getByRole("button", { name: "Authorize", exact: true }).click();
  // Swagger UI's dialog has no dialog role; its controls are named.
  const bearer = page.locator(".modal-ux form").filter({ has: page.getByLabel("auth-bearer-value") });
  await bearer.getByLabel("auth-bearer-value").fill(token);
  await bearer.getByRole("button", { name: "Apply credentials" }).click();
  const modal = page.locator(".modal-ux");
  await modal.getByRole("button", { name: "Remove authorization" }).first().waitFor();
  await modal.getByRole("button", { name: "Close", exact: true }).first().click();

  log("trying GET /api/v1/me");
  const me = page.locator("#operations-auth-getMe");
  await me.locator(".opblock-summary-control").click();
  await me.getByRole("button", { name: "Try it out" }).click();
  await me.getByRole("button", { name: "Execute" }).click();
  const status = me.locator(".live-responses-table tr.response .response-col_status").first();
  await status.waitFor();
  const answered = (await status.textContent())?.trim();
  assert(answered === "200", `GET /api/v1/me answered ${answered}`);
  assert(authorizations.at(-1) === `Bearer ${token}`, `the call carried the token (${authorizations.at(-1)})`);
  const body = await me.locator(".live-responses-table tr.response .response-col_description").first().textContent();
  assert(body?.includes(demo.admin.email), "the answer is the admin's");
  await me.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, "api-docs-try-it.png") });

  log("creating an account: one example per provider");
  const create = page.locator("#operations-accounts-createAccount");
  await create.locator(".opblock-summary-control").click();
  const examples = create.locator("select.examples-select-element").first();
  await examples.waitFor();
  const names = await examples.locator("option").allTextContents();
  for (const provider of ["Telegram", "Instagram through Meta", "Connexease", "WhatsApp through Twilio", "WhatsApp through Sinch", "Custom channel"]) {
    assert(names.includes(provider), `the create body offers the ${provider} example (${names.join(", ")})`);
  }
  await examples.selectOption({ label: "WhatsApp through Twilio" });
  await create.getByText('"accountSid"').first().waitFor();
  await create.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, "api-docs-account.png") });
  await create.locator(".opblock-summary-control").click();

  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, "api-docs-phone.png") });

  // Swagger UI names its tag toggles by `title` alone, which is an accessible name too.
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll("button, input, select, textarea, [role=button]")]
      .filter((el) => !(el.getAttribute("aria-label") || el.labels?.length || el.textContent.trim() || el.getAttribute("aria-labelledby") || el.getAttribute("title")))
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  assert(unnamed.length === 0, `controls without an accessible name: ${unnamed.join(" | ")}`);
  assert(tried.length === 0, `the page tried to leave the hub: ${tried.join(", ")}`);
  assert(problems.length === 0, `the page reported errors: ${problems.join(" | ")}`);
});
