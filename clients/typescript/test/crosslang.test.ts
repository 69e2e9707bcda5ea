// The TypeScript client against the Go fake service (`participant fake`, built from cmd/participant),
// which validates every request against api/participant.yaml and is driven through its control API
// (api/fake-control.yaml). Every vector of api/testdata/vectors.json runs here as it does in
// ../../vectors_test.go for the Go client; then fault and agent cases of the control API.
//
// Two fake processes:
//  - `fake` runs every vector without a fault, concurrently: each makes its own contact (POST
//    /participants) and connection, so they cannot see each other's messages, attachments, views
//    or ended chats, and no fault is ever queued on it.
//  - `faultFake` runs the vectors with a fault and the fault tests, one at a time, with DELETE
//    /faults after each. Faults are global to a fake process, and this client never retries: a
//    vector's `throttle` fault of Count 10 is met once and leaves 9 queued, which would hit any
//    SendMessage of a concurrent vector on a shared process. A process of their own keeps them
//    away from the other vectors; running them serially with the reset keeps them away from each
//    other. (One process per fault vector would also do, at the cost of a start each.)
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, afterEach, before, describe, test } from "node:test";

import * as lib from "../src/index.js";
import {
  AccessDeniedException,
  clientTokenOf,
  createClient,
  operations,
  ServiceError,
  ThrottlingException,
  type OperationName,
  type ParticipantClient,
} from "../src/index.js";
import type { Operation } from "../src/generated/operations.js";
import { ControlError, startGoFake, type Fault, type GoFake } from "./gofake.js";
import { assertClean, rejection } from "./stub.js";
import {
  bearerMember,
  camelName,
  isRecord,
  loadSpec,
  loadVectors,
  memberOf,
  operationOf,
  Resolver,
  toClientInput,
  type Vector,
  type VectorSetup,
} from "./vectors.js";
import { assertWire, recordingFetch, uuidV4 } from "./wire.js";

const spec = loadSpec();
const vectors = loadVectors();

/** A token the fake never issued (the Go runner's). */
const unknownToken = "QVFJREFIaGV4YW1wbGVjb25uZWN0aW9udG9rZW4";
const absoluteTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Connects a participant token: its connection token. */
async function connect(client: ParticipantClient, participantToken: string): Promise<string> {
  const conn = await client.createParticipantConnection({ participantToken, type: ["CONNECTION_CREDENTIALS"], connectParticipant: true });
  const token = conn.connectionCredentials?.connectionToken;
  assert.ok(token, "setup: CreateParticipantConnection gives a connection token");
  return token;
}

/** A customer of a new contact, connected. */
async function newCustomer(fake: GoFake, client: ParticipantClient): Promise<{ contactId: string; connectionToken: string }> {
  const p = await fake.control.createParticipant();
  return { contactId: p.ContactId, connectionToken: await connect(client, p.ParticipantToken) };
}

/** Starts an upload and PUTs the bytes with its HeadersToInclude, leaving it for CompleteAttachmentUpload. */
async function uploadWithoutCompleting(client: ParticipantClient, connectionToken: string): Promise<string> {
  const body = "attached";
  const started = await client.startAttachmentUpload({
    connectionToken,
    attachmentName: "note.txt",
    contentType: "text/plain",
    attachmentSizeInBytes: new TextEncoder().encode(body).byteLength,
  });
  const url = started.uploadMetadata?.url;
  assert.ok(url && started.attachmentId, "setup: StartAttachmentUpload gives an AttachmentId and a URL");
  const put = await fetch(url, { method: "PUT", headers: started.uploadMetadata?.headersToInclude ?? {}, body });
  await put.arrayBuffer();
  assert.equal(put.status, 200, "setup: the upload is accepted");
  return started.attachmentId;
}

/** The token each bearer member takes by default. */
function defaultToken(op: Operation, tokens: { participantToken: string; connectionToken: string }): string {
  const name = bearerMember(op).name;
  if (name === "ParticipantToken") return tokens.participantToken;
  if (name === "ConnectionToken") return tokens.connectionToken;
  throw new Error(`${op.name}: no setup gives a ${name}`);
}

/**
 * Does what a vector's setup asks, through the control API and the client itself (without
 * recording), on a contact of its own; returns the token the call carries. The fault comes last,
 * so the setup never meets it.
 */
async function setUp(fake: GoFake, client: ParticipantClient, r: Resolver, op: Operation, s: VectorSetup): Promise<string> {
  const types = s.supportedContentTypes?.map((raw) => {
    const t = r.value(raw, undefined);
    if (typeof t !== "string") throw new Error(`setup: a supported content type resolves to ${typeof t}`);
    return t;
  });
  const p = await fake.control.createParticipant(types === undefined ? {} : { SupportedContentTypes: types });
  const connectionToken = await connect(client, p.ParticipantToken);
  if (s.message) {
    const out = await client.sendMessage({ connectionToken, contentType: "text/plain", content: "A message to point at." });
    r.placeholders.set("$messageId", out.id);
  }
  for (let i = 0; i < (s.extraParticipants ?? 0); i++) {
    const extra = await fake.control.createParticipant({ ContactId: p.ContactId, Role: "SUPERVISOR" });
    await connect(client, extra.ParticipantToken);
  }
  if (s.attachment === "completed") {
    const out = await client.uploadAttachment({ connectionToken, attachmentName: "note.txt", contentType: "text/plain", body: new TextEncoder().encode("attached") });
    r.placeholders.set("$attachmentId", out.attachmentId);
  } else if (s.attachment === "uploaded") {
    r.placeholders.set("$attachmentId", await uploadWithoutCompleting(client, connectionToken));
  }
  if (s.view) {
    r.placeholders.set("$viewToken", await fake.control.addView({ Id: "confirm", Name: "Confirm", Version: 1, Template: "{}", InputSchema: "{}", Actions: ["Confirm"] }));
  }
  if (s.authentication) r.placeholders.set("$sessionId", await fake.control.startAuthentication(p.ContactId));

  let token = defaultToken(op, { participantToken: p.ParticipantToken, connectionToken });
  switch (s.token ?? "issued") {
    case "issued":
      break;
    case "unknown":
      token = unknownToken;
      break;
    case "ended":
      await fake.control.endChat(p.ContactId);
      break;
    case "connection":
      token = connectionToken;
      break;
  }
  if (s.fault) {
    if (!isRecord(s.fault) || typeof s.fault["Kind"] !== "string") throw new Error("setup: a fault needs a Kind");
    // The control API checks it against its Fault schema (400 otherwise).
    await fake.control.injectFaults(s.fault as Fault);
  }
  return token;
}

/** Calls operation `name` of the client by its name, with the client's (camelCase) input. */
function callByName(client: ParticipantClient, name: OperationName, input: Record<string, unknown>): Promise<unknown> {
  const method = client[camelName(name) as keyof ParticipantClient] as unknown as (input: Record<string, unknown>) => Promise<unknown>;
  assert.equal(typeof method, "function", `the client has a method for ${name}`);
  return method(input);
}

/** Runs one vector against fake, as vectors_test.go does. */
async function runVector(fake: GoFake, v: Vector): Promise<void> {
  const op = operationOf(v.operation);
  const r = new Resolver(spec);
  const token = await setUp(fake, createClient({ baseUrl: fake.url }), r, op, v.setup);
  const input = r.input(op, v.input);

  const rec = recordingFetch();
  const client = createClient({ baseUrl: fake.url, fetch: rec.fetch });
  const clientInput = { ...toClientInput(op, input), [camelName(bearerMember(op).name ?? "")]: token };
  const result = await callByName(client, v.operation, clientInput).then(
    (out) => ({ out }),
    (err: unknown) => ({ err }),
  );

  // This client checks nothing locally (vectors with localError reach the service too) and never
  // retries (a fault is met once): one request.
  assert.equal(rec.sent.length, 1, "one request is sent");
  const clientToken = assertWire(rec.sent[0]!, op, input, token);

  if (v.expect === "ok") {
    assert.ok("out" in result, `want ok, got ${"err" in result ? String(result.err) : ""}`);
    const out = result.out as { requestId?: unknown; clientToken?: unknown };
    assert.ok(typeof out.requestId === "string" && out.requestId !== "", "every answer has an x-amzn-RequestId");
    assert.equal(out.clientToken, clientToken, "the output's clientToken is the one sent");
    return;
  }
  assert.ok("err" in result, `want ${v.expect}, got ok`);
  const err = result.err;
  assertClean(err, token);
  assert.ok(err instanceof ServiceError, `want a ServiceError ${v.expect}, got ${String(err)}`);
  assert.equal(err.code, v.expect);
  // Modelled errors have their own class, named like the code (as in the Go client).
  assert.equal(err.constructor.name, v.expect, "the error's class is named like its code");
  const cls = (lib as Record<string, unknown>)[v.expect];
  assert.ok(typeof cls === "function" && err instanceof cls, `the error is an instance of the exported ${v.expect}`);
  assert.equal(err.clientToken, clientToken, "the error carries the ClientToken sent (undefined without one)");
}

describe("TypeScript client against the Go fake", { timeout: 300_000 }, () => {
  let fake: GoFake;
  let faultFake: GoFake;

  // Building cmd/participant (without PARTICIPANT_BIN) takes most of this with a cold Go build cache.
  before(
    async () => {
      [fake, faultFake] = await Promise.all([startGoFake(), startGoFake()]);
    },
    { timeout: 240_000 },
  );

  after(async () => {
    const codes = await Promise.all([fake?.stop(), faultFake?.stop()]);
    assert.deepEqual(codes, [0, 0], "participant fake exits 0 on SIGTERM");
  });

  test("every operation of the table has a vector", () => {
    const covered = new Set(vectors.map((v) => v.operation));
    const missing = (Object.keys(operations) as OperationName[]).filter((name) => !covered.has(name));
    assert.deepEqual(missing, []);
  });

  describe("shared vectors (api/testdata/vectors.json)", { concurrency: 8 }, () => {
    for (const v of vectors.filter((v) => !v.setup.fault)) test(v.name, () => runVector(fake, v));
  });

  describe("shared vectors with a fault, one at a time on their own fake", () => {
    afterEach(() => faultFake.control.resetFaults());
    for (const v of vectors.filter((v) => v.setup.fault)) test(v.name, () => runVector(faultFake, v));
  });

  describe("the agent and the end of a chat, through the control API", { concurrency: true }, () => {
    test("the agent's message shows up in transcriptItems", async () => {
      const client = createClient({ baseUrl: fake.url });
      const { contactId, connectionToken } = await newCustomer(fake, client);
      const text = `How can I help? ${randomUUID()}`;
      const sent = await fake.control.agentSendMessage(contactId, { Content: text });
      assert.ok(sent.Id, "the control API answers with the transcript item");

      const items: lib.TranscriptItem[] = [];
      for await (const item of client.transcriptItems({ connectionToken })) items.push(item);
      const found = items.filter((item) => item.id === sent.Id);
      assert.equal(found.length, 1, "the agent's message is in the transcript once");
      assert.equal(found[0]?.content, text);
      assert.equal(found[0]?.type, "MESSAGE");
      assert.equal(found[0]?.contentType, "text/plain");
      assert.equal(found[0]?.participantRole, "AGENT");
      assert.match(found[0]?.absoluteTime ?? "", absoluteTime);
    });

    test("after POST /contacts/{id}/end the connection token is refused with AccessDeniedException", async () => {
      const client = createClient({ baseUrl: fake.url });
      const { contactId, connectionToken } = await newCustomer(fake, client);
      await client.sendMessage({ connectionToken, contentType: "text/plain", content: "Before the end." });

      await fake.control.endChat(contactId);
      const err = await rejection(client.sendMessage({ connectionToken, contentType: "text/plain", content: "After the end." }));
      assert.ok(err instanceof AccessDeniedException, `want an AccessDeniedException, got ${String(err)}`);
      assert.equal(err.status, 403);
      assert.ok(err.requestId);
      assertClean(err, connectionToken);
      const read = await rejection(client.getTranscript({ connectionToken }));
      assert.ok(read instanceof AccessDeniedException, "every operation refuses the token");
      assertClean(read, connectionToken);
    });

    test("the control API refuses a contact it does not have (typed ControlError)", async () => {
      const err = await rejection(fake.control.endChat("no-such-contact"));
      assert.ok(err instanceof ControlError);
      assert.equal(err.status, 404);
    });

    test("the same ClientToken twice gives the same Id (idempotent replay)", async () => {
      const client = createClient({ baseUrl: fake.url });
      const { connectionToken } = await newCustomer(fake, client);
      const input = { connectionToken, contentType: "text/plain", content: "Sent twice, delivered once." };
      const first = await client.sendMessage(input);
      assert.match(first.absoluteTime, absoluteTime);
      assert.equal(first.messageProcessingStatus, "PROCESSING");
      const again = await client.sendMessage({ ...input, clientToken: first.clientToken });
      assert.equal(again.id, first.id);
      assert.equal(again.absoluteTime, first.absoluteTime);
      const other = await client.sendMessage(input);
      assert.notEqual(other.id, first.id, "without the token the same content is a new message");
    });
  });

  describe("faults queued through the control API, on the fault fake, one at a time", () => {
    afterEach(() => faultFake.control.resetFaults());

    test("a queued throttle fault makes sendMessage reject with ThrottlingException and its requestId; DELETE /faults clears it", async () => {
      const client = createClient({ baseUrl: faultFake.url });
      const { contactId, connectionToken } = await newCustomer(faultFake, client);
      const content = `Busy? ${randomUUID()}`;
      await faultFake.control.injectFaults({ Kind: "throttle", Count: 5, Operation: "SendMessage", RetryAfterSeconds: 1 });

      const err = await rejection(client.sendMessage({ connectionToken, contentType: "text/plain", content }));
      assert.ok(err instanceof ThrottlingException, `want a ThrottlingException, got ${String(err)}`);
      assert.equal(err.status, 429);
      assert.equal(err.code, "ThrottlingException");
      assert.ok(typeof err.requestId === "string" && err.requestId !== "", "the throttling answer's x-amzn-RequestId");
      assert.match(err.clientToken ?? "", uuidV4, "the error carries the generated ClientToken");
      assertClean(err, connectionToken);

      // The fault is still queued (4 left), so the same request is throttled again, with its own request ID.
      const again = await rejection(client.sendMessage({ connectionToken, contentType: "text/plain", content, clientToken: err.clientToken }));
      assert.ok(again instanceof ThrottlingException);
      assert.equal(again.clientToken, err.clientToken);
      assert.ok(again.requestId && again.requestId !== err.requestId);

      await faultFake.control.resetFaults();
      const out = await client.sendMessage({ connectionToken, contentType: "text/plain", content, clientToken: err.clientToken });
      assert.equal(out.clientToken, err.clientToken);
      assert.ok(out.id);

      const seen = (await faultFake.control.requests()).filter((r) => r.ClientToken === err.clientToken);
      assert.deepEqual(
        seen.map((r) => [r.Operation, r.Fault, r.Status]),
        [
          ["SendMessage", "throttle", 429],
          ["SendMessage", "throttle", 429],
          ["SendMessage", "none", 200],
        ],
      );
      const delivered = (await faultFake.control.transcript(contactId)).filter((item) => item.Content === content);
      assert.deepEqual(
        delivered.map((item) => item.Id),
        [out.id],
        "the message is delivered once",
      );
    });

    test("a connection dropped after processing rejects with fetch's error carrying the ClientToken; resending it delivers once", async () => {
      const client = createClient({ baseUrl: faultFake.url });
      const { contactId, connectionToken } = await newCustomer(faultFake, client);
      const content = `Did it arrive? ${randomUUID()}`;
      await faultFake.control.injectFaults({ Kind: "drop-after", Operation: "SendMessage" });

      const err = await rejection(client.sendMessage({ connectionToken, contentType: "text/plain", content }));
      assert.ok(err instanceof Error && !(err instanceof ServiceError), `want fetch's own error, got ${String(err)}`);
      const clientToken = clientTokenOf(err);
      assert.match(clientToken ?? "", uuidV4, "the error carries the ClientToken sent");
      assertClean(err, connectionToken);

      const out = await client.sendMessage({ connectionToken, contentType: "text/plain", content, clientToken });
      const delivered = (await faultFake.control.transcript(contactId)).filter((item) => item.Content === content);
      assert.deepEqual(
        delivered.map((item) => item.Id),
        [out.id],
        "the resent message is the one the dropped request delivered",
      );
    });
  });
});

describe("vector generators read every bound from the spec and the table", () => {
  test("a JSON pointer count follows a changed spec", () => {
    const changed = structuredClone(spec);
    const pointerTo = "#/components/schemas/SendMessageRequest/properties/ContentType";
    const node = (
      (changed as { components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> } }).components.schemas[
        "SendMessageRequest"
      ]?.properties["ContentType"]
    );
    assert.ok(node);
    node["maxLength"] = 30;
    const got = new Resolver(changed).value({ repeat: "t", count: `${pointerTo}/maxLength+1` }, undefined);
    assert.equal(got, "t".repeat(31));
  });

  test("member bounds come from the generated table, `limit` from lengthByContentType", () => {
    const r = new Resolver(spec);
    const session = memberOf(operations.GetAuthenticationUrl, "SessionId");
    assert.ok(session?.minLength !== undefined);
    assert.equal(r.value({ repeat: "s", count: "minLength-1" }, session), "s".repeat(session.minLength - 1));
    const items = memberOf(operations.CompleteAttachmentUpload, "AttachmentIds");
    assert.deepEqual(r.value({ items: "$a", count: "maxItems+1" }, items), Array(items!.maxLength! + 1).fill("$a"));
    assert.equal(r.value({ number: "maximum" }, memberOf(operations.GetTranscript, "MaxResults")), operations.GetTranscript.input.find((m) => m.name === "MaxResults")?.maximum);
    const op = operations.SendMessage;
    const input = r.input(op, { ContentType: "text/plain", Content: { repeat: "é", count: "limit+1" } });
    assert.equal([...String(input["Content"])].length, memberOf(op, "Content")!.lengthByContentType!["text/plain"]! + 1);
    assert.throws(() => r.value({ repeat: "x", count: "maxLength" }, undefined), /not a member/);
  });

  test("the input goes to the client in camelCase, nested members included", () => {
    const op = operations.GetTranscript;
    assert.deepEqual(toClientInput(op, { MaxResults: 3, StartPosition: { Id: "m-1", MostRecent: 2 } }), { maxResults: 3, startPosition: { id: "m-1", mostRecent: 2 } });
  });
});
