// Records what the client puts on the wire and checks it against a vector's wire form.
import assert from "node:assert/strict";

import type { WireForm } from "./vectors.js";

/** One request as it left the client. */
export interface Sent {
  method: string;
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

/** The values a wire form's `$name` placeholders stand for. */
export interface WireValues {
  connectionToken: string;
  contentType: string;
  content: string;
  /** The caller's ClientToken; when undefined the client must have generated one. */
  clientToken: string | undefined;
}

function substitute(template: string, values: WireValues): string | undefined {
  if (!template.startsWith("$")) return template;
  const key = template.slice(1) as keyof WireValues;
  if (!(key in values)) throw new Error(`unknown placeholder ${template} in a wire form`);
  return values[key];
}

/** Asserts that one sent request has the wire form, with the given values. */
export function assertWire(sent: Sent, form: WireForm, values: WireValues): void {
  assert.equal(sent.method, form.method, "method");
  assert.equal(sent.path, form.path, "path");
  for (const [name, template] of Object.entries(form.headers)) {
    // Compared without printing: the bearer header is a secret even in a failing test.
    assert.ok(sent.headers.get(name) === substitute(template, values), `header ${name} differs from the wire form`);
  }
  for (const name of form.absentHeaders) {
    assert.equal(sent.headers.has(name), false, `header ${name} must not be sent`);
  }
  const body = JSON.parse(sent.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), [...form.bodyKeys].sort(), "JSON body keys");
  for (const [key, template] of Object.entries(form.body)) {
    const want = substitute(template, values);
    if (key === "ClientToken" && want === undefined) {
      assert.match(String(body[key]), new RegExp(form.generatedClientToken), "a generated ClientToken is a UUIDv4");
    } else {
      assert.ok(body[key] === want, `body ${key} differs from the wire form`);
    }
  }
}
