import { describe, expect, it } from "vitest";
import doc from "../../../docs/custom-channel.md?raw";
import { ACTIVATION_TIMEOUT_MS } from "../../../src/providers/custom/activate";
import { normalizeCustomBatch } from "../../../src/providers/custom/normalize";
import { MAX_ATTACHMENTS, MAX_BATCH, MAX_TEXT_CHARS } from "../../../src/providers/custom/schema";
import { NOT_ACTIVATED_RETRY_S, outboundPayload, SEND_TIMEOUT_MS } from "../../../src/providers/custom/send";
import { signatureOf } from "../../../src/providers/custom/signature";
import { receiverVerifies } from "./verify";

// docs/custom-channel.md is what a third party builds against: its examples are checked here so
// that the page cannot drift from the code.

/** The fenced code blocks that follow each `<!-- example:<name> -->` marker. */
function examples(name: string): { lang: string; code: string }[] {
  const out: { lang: string; code: string }[] = [];
  const marker = `<!-- example:${name} -->`;
  for (let at = doc.indexOf(marker); at >= 0; at = doc.indexOf(marker, at + 1)) {
    const fence = /```(\w*)\n([\s\S]*?)\n```/.exec(doc.slice(at));
    if (fence) out.push({ lang: fence[1]!, code: fence[2]! });
  }
  return out;
}

/** The worked example's table: `| label | `value` |` rows after the marker. */
function workedExample() {
  const at = doc.indexOf("<!-- example:signature -->");
  const table = doc.slice(at, doc.indexOf("\n\n", doc.indexOf("|", at)));
  const cell = (label: string) => new RegExp(`^\\| ${label.replace(/[-[\]{}()*+?.\\^$|]/g, "\\$&")} \\| \`(.*)\` \\|$`, "m").exec(table)?.[1];
  return { secret: cell("signing secret")!, timestamp: cell("`X-Hub-Timestamp`")!, body: cell("raw body")!, signature: cell("`X-Hub-Signature`")! };
}

describe("docs/custom-channel.md", () => {
  it("the worked signature example is what the hub computes, and the documented recipe verifies it", async () => {
    const ex = workedExample();
    expect(ex.secret).toBe("cs_test_4f9a2b7c1d8e3f60a5b4c3d2e1f0a9b8");
    expect(ex.timestamp).toBe("1767225600");
    expect(ex.body).toContain("Ayşe");
    const computed = await signatureOf(ex.secret, Number(ex.timestamp), ex.body);
    expect(computed).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(ex.signature).toBe(computed);
    expect(await receiverVerifies(new Headers({ "X-Hub-Timestamp": ex.timestamp, "X-Hub-Signature": ex.signature }), ex.body, ex.secret)).toBe(true);
    // The shell check shows the same digest, and uses the same inputs.
    expect(doc).toContain(`# SHA2-256(stdin)= ${computed.slice("sha256=".length)}`);
    expect(doc).toContain(`SECRET='${ex.secret}'`);
    expect(doc).toContain(`TIMESTAMP=${ex.timestamp}`);
    expect(doc).toContain(`BODY='${ex.body}'`);
  });

  it("the outbound example is byte for byte the request the hub sends for that reply", async () => {
    const [http] = examples("outbound");
    expect(http!.lang).toBe("http");
    const [head, body] = http!.code.split("\n\n") as [string, string];
    const payload = outboundPayload({ kind: "text", to: "cust-1001", text: "Merhaba Ayşe, siparişiniz yolda 🚚", messageId: 42 }, Date.UTC(2026, 0, 1));
    expect(body).toBe(JSON.stringify(payload));
    const header = (name: string) => new RegExp(`^${name}: (.*)$`, "m").exec(head)?.[1];
    expect(header("X-Hub-Timestamp")).toBe("1767225600");
    expect(header("Content-Type")).toBe("application/json");
    const ex = workedExample();
    expect(header("X-Hub-Signature")).toBe(await signatureOf(ex.secret, 1767225600, body));
    expect(body).toBe(ex.body);
  });

  it("every inbound example is a valid batch (the curl example's body too)", () => {
    const blocks = examples("inbound");
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const counts = blocks.map(({ lang, code }) => {
      const json = lang === "sh" ? /<<'JSON'\n([\s\S]*?)\nJSON/.exec(code)![1]! : code;
      return normalizeCustomBatch(JSON.parse(json)).map((e) => e.kind);
    });
    expect(counts).toEqual([["message"], ["message", "message"], ["edit"], ["delete"], ["status", "status"]]);
    expect(blocks[0]!.code).toContain('-H "Authorization: Bearer $ACCESS_TOKEN"');
  });

  it("states the limits and timeouts the code applies", () => {
    expect(doc).toContain(`**Answer within\n${ACTIVATION_TIMEOUT_MS / 1000} seconds**`);
    expect(doc).toContain(`no answer within **${SEND_TIMEOUT_MS / 1000} s**`);
    expect(doc).toContain(`no sooner than every ${NOT_ACTIVATED_RETRY_S} s`);
    expect(doc).toContain(`**1 to ${MAX_BATCH} items**`);
    expect(doc).toContain(`≤ ${MAX_TEXT_CHARS.toLocaleString("en-US").replace(",", " ")} characters`);
    expect(doc).toContain(`| \`attachments\` | array, ≤ ${MAX_ATTACHMENTS} |`);
  });
});
