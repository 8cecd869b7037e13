// The hub's public URLs: where providers reach it, and each account's receive URL.

/** The origin providers reach the hub on: PUBLIC_BASE_URL behind a proxy, else the request's own. */
export function publicOrigin(requestUrl: string, env: { PUBLIC_BASE_URL?: string }): string {
  return env.PUBLIC_BASE_URL ? env.PUBLIC_BASE_URL.replace(/\/+$/, "") : new URL(requestUrl).origin;
}

/** The URL the provider called, as it signed it: the public origin with the request's path and query. */
export function publicUrl(requestUrl: string, env: { PUBLIC_BASE_URL?: string }): string {
  const u = new URL(requestUrl);
  return `${publicOrigin(requestUrl, env)}${u.pathname}${u.search}`;
}

export function receiveUrl(origin: string, provider: string, key: string): string {
  return `${origin}/webhooks/${provider}/${key}`;
}
