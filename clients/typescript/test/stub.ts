// A stub fetch for unit tests: records every request exactly as it left the client and answers
// from a handler. No network.
import { inspect } from "node:util";
import assert from "node:assert/strict";

/** One request as it left the client. */
export interface Recorded {
  method: string;
  /** The whole URL, query included. */
  url: string;
  host: string;
  /** The path as sent, percent-encoding kept. */
  path: string;
  headers: Headers;
  /** The body's bytes, empty when there is none. */
  bytes: Uint8Array;
  /** The body as text. */
  body: string;
  redirect: string;
}

/** A handler: the answer to one request. */
export type Handler = (req: Recorded, index: number) => Response | Promise<Response>;

/** A fetch that records each request and answers with handler. */
export function stubFetch(handler: Handler): { fetch: (r: Request) => Promise<Response>; sent: Recorded[] } {
  const sent: Recorded[] = [];
  return {
    sent,
    async fetch(request: Request) {
      const url = new URL(request.url);
      const bytes = new Uint8Array(await request.clone().arrayBuffer());
      const rec: Recorded = {
        method: request.method,
        url: request.url,
        host: url.host,
        path: url.pathname,
        headers: new Headers(request.headers),
        bytes,
        body: new TextDecoder().decode(bytes),
        redirect: request.redirect,
      };
      sent.push(rec);
      return handler(rec, sent.length - 1);
    },
  };
}

/** A JSON answer with a request ID. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "x-amzn-RequestId": `req-${status}`, ...headers },
  });
}

/** An empty 200 answer, as the operations without output members give. */
export function empty(headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 200, headers: { "x-amzn-RequestId": "req-200", ...headers } });
}

/** The header names of a request, lower-cased and sorted. */
export function headerNames(h: Headers): string[] {
  return [...h.keys()].sort();
}

/** Asserts that nothing a caller may print about err contains any of the secrets. */
export function assertClean(err: unknown, ...secrets: string[]): void {
  const e = err as Error;
  const shown = [String(e), JSON.stringify(e), inspect(e, { depth: 10 }), e.stack ?? "", inspect((e as { cause?: unknown }).cause, { depth: 10 })];
  for (const secret of secrets) {
    for (const s of shown) {
      // Compared without printing the secret in a failing test's message.
      assert.ok(!s.includes(secret), "a secret appears in what the error shows");
    }
  }
}

/** Awaits p, which must reject, and returns its reason. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail("resolved; want a rejection"),
    (e: unknown) => e,
  );
}
