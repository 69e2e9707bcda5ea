// The TypeScript client against the Go fake service (`participant fake`, built from cmd/participant),
// which validates every request against api/participant.yaml. The shared vectors in
// api/testdata/vectors.json run here and in ../../vectors_test.go (the Go client).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { inspect } from "node:util";

import { AccessDeniedException, createClient, ServiceError, ValidationException } from "../src/index.js";
import { startGoFake, type GoFake } from "./gofake.js";
import { loadSpec, loadVectors } from "./vectors.js";
import { assertWire, recordingFetch } from "./wire.js";

const vectors = loadVectors(loadSpec());
const absoluteTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Asserts that nothing a caller may print about err contains the token. */
function assertNoToken(err: unknown, token: string): void {
  const e = err as Error;
  for (const shown of [String(e), JSON.stringify(e), inspect(e), e.stack ?? ""]) {
    assert.equal(shown.includes(token), false, "the connection token never appears in an error");
  }
}

describe("TypeScript client against the Go fake", { timeout: 300_000 }, () => {
  let fake: GoFake;

  // Building cmd/participant takes most of this on a machine with a cold Go build cache.
  before(async () => {
    fake = await startGoFake();
  }, { timeout: 240_000 });

  after(async () => {
    if (fake) assert.equal(await fake.stop(), 0, "participant fake exits 0 on SIGTERM");
  });

  test("a plain-text message is accepted", async () => {
    const client = createClient({ baseUrl: fake.url });
    const out = await client.sendMessage({ connectionToken: fake.connectionToken, contentType: "text/plain", content: "Hello from TypeScript" });
    assert.ok(out.id.length > 0, "the service gives the message an Id");
    assert.match(out.absoluteTime, absoluteTime);
    assert.equal(out.messageProcessingStatus, "PROCESSING");
    assert.ok(out.requestId, "every answer has an x-amzn-RequestId");
  });

  test("content over its type's limit is a ValidationException from the service", async () => {
    const client = createClient({ baseUrl: fake.url });
    const err = await client
      .sendMessage({ connectionToken: fake.connectionToken, contentType: "text/plain", content: "é".repeat(5000) })
      .then(() => assert.fail("accepted; want a ValidationException"), (e: unknown) => e);
    assert.ok(err instanceof ValidationException);
    assert.equal(err.status, 400);
    assert.equal(err.code, "ValidationException");
    assert.ok(err.message.length > 0, "the service says what went wrong");
    assert.ok(err.requestId);
    assertNoToken(err, fake.connectionToken);
  });

  test("a connection token the fake never issued is an AccessDeniedException", async () => {
    const badToken = "not-a-token-the-fake-issued-" + crypto.randomUUID();
    const client = createClient({ baseUrl: fake.url });
    const err = await client
      .sendMessage({ connectionToken: badToken, contentType: "text/plain", content: "hi" })
      .then(() => assert.fail("accepted; want an AccessDeniedException"), (e: unknown) => e);
    assert.ok(err instanceof AccessDeniedException);
    assert.equal(err.status, 403);
    assert.equal(err.code, "AccessDeniedException");
    assert.ok(err.requestId);
    assertNoToken(err, badToken);
  });

  test("the same ClientToken twice gives the same Id (idempotent replay)", async () => {
    const client = createClient({ baseUrl: fake.url });
    const input = { connectionToken: fake.connectionToken, contentType: "text/plain", content: "Sent twice, delivered once." };
    const first = await client.sendMessage(input);
    const again = await client.sendMessage({ ...input, clientToken: first.clientToken });
    assert.equal(again.id, first.id);
    assert.equal(again.absoluteTime, first.absoluteTime);
    const other = await client.sendMessage(input);
    assert.notEqual(other.id, first.id, "without the token the same content is a new message");
  });

  describe("shared vectors (api/testdata/vectors.json)", () => {
    for (const v of vectors) {
      test(v.name, async () => {
        const connectionToken = v.connectionToken ?? fake.connectionToken;
        const rec = recordingFetch();
        const client = createClient({ baseUrl: fake.url, fetch: rec.fetch });
        const result = await client
          .sendMessage({
            connectionToken,
            contentType: v.contentType,
            content: v.content,
            ...(v.clientToken === undefined ? {} : { clientToken: v.clientToken }),
          })
          .then((out) => ({ out }), (err: unknown) => ({ err }));

        // This client leaves checking to the service, so every vector reaches the wire.
        assert.equal(rec.sent.length, 1, "one request is sent");
        assertWire(rec.sent[0]!, v.wire, {
          connectionToken,
          contentType: v.contentType,
          content: v.content,
          clientToken: v.clientToken,
        });

        if (v.expect === "ok") {
          assert.ok("out" in result, `want ok, got ${"err" in result ? String(result.err) : ""}`);
          assert.ok(result.out.id.length > 0);
          assert.match(result.out.absoluteTime, absoluteTime);
          if (v.clientToken !== undefined) assert.equal(result.out.clientToken, v.clientToken);
        } else {
          assert.ok("err" in result, `want ${v.expect}, got ok`);
          assert.ok(result.err instanceof ServiceError, `want a ServiceError, got ${String(result.err)}`);
          assert.equal(result.err.code, v.expect);
          assert.equal(result.err.constructor.name, v.expect, "modelled errors have their own class");
          assertNoToken(result.err, connectionToken);
        }
      });
    }
  });
});
