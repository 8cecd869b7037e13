import { ApiError } from "../../errors";

export const MAX_BODY_BYTES = 1024 * 1024;
export const BODY_DEADLINE_MS = 10_000;

/**
 * A webhook's raw bytes, read as they stream in: more than `maxBytes` is a 413 as soon as the
 * limit is passed (a declared Content-Length over it before any byte is read), and a body not
 * complete within `deadlineMs` of the first read is a 408. Either way the rest is never read.
 */
export async function readBoundedBody(request: Request, maxBytes = MAX_BODY_BYTES, deadlineMs = BODY_DEADLINE_MS): Promise<Uint8Array> {
  const tooLarge = () => new ApiError(413, "payload_too_large", `Body over ${maxBytes / 1024 / 1024} MiB`);
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  if (!request.body) return new Uint8Array(0);

  const reader = request.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), deadlineMs)));
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), deadline]);
      if (next === "late") throw new ApiError(408, "request_timeout", `The body did not arrive within ${deadlineMs / 1000} s`);
      if (next.done) break;
      size += next.value.byteLength;
      if (size > maxBytes) throw tooLarge();
      chunks.push(next.value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    throw err;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}
