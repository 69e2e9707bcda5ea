// Records what the client puts on the wire, and checks a request against the wire form of its
// operation, derived from the generated table (src/generated/operations.ts) as vectors_test.go's
// checkWire derives it from the Go table.
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";

import { bearerHeader, type Operation } from "../src/generated/operations.js";
import { memberOf } from "./vectors.js";

/** One request as it left the client. */
export interface Sent {
  method: string;
  /** The path as sent, percent-encoding kept. */
  path: string;
  headers: Headers;
  body: string;
}

/** A fetch that records each request and hands it to `next` (the real fetch by default). */
export function recordingFetch(next: (r: Request) => Promise<Response> = (r) => fetch(r)): {
  fetch: (r: Request) => Promise<Response>;
  sent: Sent[];
} {
  const sent: Sent[] = [];
  return {
    sent,
    async fetch(request: Request) {
      sent.push({
        method: request.method,
        path: new URL(request.url).pathname,
        headers: new Headers(request.headers),
        body: await request.clone().text(),
      });
      return next(request);
    },
  };
}

/** A UUID of version 4, as the client's generated ClientToken must be. */
export const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * A path label as restJson1 wants it: every UTF-8 byte outside RFC 3986's unreserved characters
 * percent-encoded. Written independently of the client's encoder, which it checks:
 * encodeURIComponent leaves `!'()*` as they are; they are reserved.
 */
export function encodeLabel(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * Asserts that one request has op's wire form for the model-named input and the token: method;
 * path with the labels percent-encoded; the token in X-Amz-Bearer and no Authorization;
 * Content-Type application/json exactly when the operation has a body; a JSON body of exactly
 * the input's body members, plus a generated UUIDv4 ClientToken where op has an idempotency
 * token the input does not set. Returns the ClientToken sent, if any. The token and long values
 * are compared, never printed.
 */
export function assertWire(sent: Sent, op: Operation, input: Record<string, unknown>, token: string): string | undefined {
  const labels: Record<string, string> = {};
  const headers: Record<string, string> = {};
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    const m = memberOf(op, name);
    if (!m) throw new Error(`${op.name} has no member ${name}`);
    if (m.in === "Path" && m.header) labels[m.header] = String(value);
    else if (m.in === "Header" && m.header) headers[m.header] = String(value);
    else body[name] = value;
  }
  const path = op.path.replace(/\{([^{}]+)\}/g, (_, label: string) => encodeLabel(labels[label] ?? ""));

  assert.equal(sent.method, op.method, "method");
  assert.ok(sent.path === path, `path: sent ${sent.path.length > 200 ? sent.path.slice(0, 200) + "..." : sent.path}, want ${path.length > 200 ? path.slice(0, 200) + "..." : path}`);
  assert.ok(sent.headers.get(bearerHeader) === token, `${bearerHeader} is not the vector's token`);
  assert.equal(sent.headers.has("authorization"), false, "an Authorization header was sent; the service takes no signature");
  for (const [name, value] of Object.entries(headers)) assert.ok(sent.headers.get(name) === value, `header ${name} differs from the input`);

  if (!op.hasBody) {
    assert.equal(sent.body, "", `a body was sent to ${op.name}, which has none`);
    assert.equal(sent.headers.has("content-type"), false, "Content-Type without a body");
    return undefined;
  }
  assert.equal(sent.headers.get("content-type"), "application/json", "Content-Type");
  const got: unknown = JSON.parse(sent.body);
  assert.ok(typeof got === "object" && got !== null && !Array.isArray(got), "the body is a JSON object");
  const gotBody = got as Record<string, unknown>;

  let clientToken: string | undefined;
  const tokenMember = op.input.find((m) => m.idempotencyToken);
  if (tokenMember?.name) {
    if (Object.hasOwn(body, tokenMember.name)) {
      clientToken = String(body[tokenMember.name]);
    } else {
      const generated = gotBody[tokenMember.name];
      assert.ok(typeof generated === "string" && uuidV4.test(generated), `the generated ${tokenMember.name} is not a UUIDv4`);
      body[tokenMember.name] = generated;
      clientToken = generated;
    }
  }
  assert.ok(
    isDeepStrictEqual(gotBody, body),
    `the body differs from the vector's input: keys ${JSON.stringify(Object.keys(gotBody).sort())} vs ${JSON.stringify(Object.keys(body).sort())}`,
  );
  return clientToken;
}
