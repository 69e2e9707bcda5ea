// Unit tests of every operation's wire form and output, with a stub fetch. The expectations are
// written out by hand from api/participant.yaml, independently of the generated table the client
// is driven by, so a wrong table entry fails here.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { clientTokenOf, createClient, ServiceError, ThrottlingException, type ParticipantClient } from "../src/index.js";
import { empty, headerNames, json, rejection, stubFetch, type Handler } from "./stub.js";
import { uuidV4 } from "./wire.js";

const connectionToken = "QVFJREFIaGV4YW1wbGVjb25uZWN0aW9udG9rZW4-connection-secret";
const participantToken = "QVFJREFIaGV4YW1wbGVwYXJ0aWNpcGFudHRva2Vu-participant-secret";
const baseUrl = "http://127.0.0.1:1";

/** A token provider that counts, so the filled-in tokens are known. */
function counter(prefix = "filled"): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

interface Case {
  /** The client method. */
  method: keyof ParticipantClient;
  input: Record<string, unknown>;
  /** The bearer token the input holds. */
  bearer: string;
  wire: { method: string; path: string; body: Record<string, unknown> | undefined };
  answer: Handler;
  output: Record<string, unknown>;
}

const cases: Case[] = [
  {
    method: "createParticipantConnection",
    input: { participantToken, type: ["WEBSOCKET", "CONNECTION_CREDENTIALS", "WEBRTC_CONNECTION"], connectParticipant: true },
    bearer: participantToken,
    wire: {
      method: "POST",
      path: "/participant/connection",
      body: { Type: ["WEBSOCKET", "CONNECTION_CREDENTIALS", "WEBRTC_CONNECTION"], ConnectParticipant: true },
    },
    answer: () =>
      json(200, {
        Websocket: { Url: "wss://ws.example/?X-Amz-Signature=s", ConnectionExpiry: "2019-11-08T03:41:28.172Z" },
        ConnectionCredentials: { ConnectionToken: "new-connection-token", Expiry: "2019-11-09T02:41:28.172Z" },
        WebRTCConnection: {
          Attendee: { AttendeeId: "att", JoinToken: "join" },
          Meeting: {
            MeetingId: "0f6a2c9e-4b1d-4e7a-9c3f-8d5b2a1e6c04",
            MediaPlacement: { AudioHostUrl: "a", AudioFallbackUrl: "b", SignalingUrl: "c", EventIngestionUrl: "d" },
            MeetingFeatures: { Audio: { EchoReduction: "AVAILABLE" } },
          },
        },
        SomethingNewer: "dropped",
      }),
    output: {
      websocket: { url: "wss://ws.example/?X-Amz-Signature=s", connectionExpiry: "2019-11-08T03:41:28.172Z" },
      connectionCredentials: { connectionToken: "new-connection-token", expiry: "2019-11-09T02:41:28.172Z" },
      webRTCConnection: {
        attendee: { attendeeId: "att", joinToken: "join" },
        meeting: {
          meetingId: "0f6a2c9e-4b1d-4e7a-9c3f-8d5b2a1e6c04",
          mediaPlacement: { audioHostUrl: "a", audioFallbackUrl: "b", signalingUrl: "c", eventIngestionUrl: "d" },
          meetingFeatures: { audio: { echoReduction: "AVAILABLE" } },
        },
      },
      requestId: "req-200",
    },
  },
  {
    method: "sendMessage",
    input: { connectionToken, contentType: "text/markdown", content: "**hi**", clientToken: "msg-token-1" },
    bearer: connectionToken,
    wire: { method: "POST", path: "/participant/message", body: { ContentType: "text/markdown", Content: "**hi**", ClientToken: "msg-token-1" } },
    answer: () => json(200, { Id: "m-1", AbsoluteTime: "2019-11-08T02:41:28.172Z" }),
    output: { id: "m-1", absoluteTime: "2019-11-08T02:41:28.172Z", messageProcessingStatus: undefined, requestId: "req-200", clientToken: "msg-token-1" },
  },
  {
    method: "sendEvent",
    input: { connectionToken, contentType: "application/vnd.amazonaws.connect.event.message.read", content: '{"messageId":"m-1"}', clientToken: "ev-1" },
    bearer: connectionToken,
    wire: {
      method: "POST",
      path: "/participant/event",
      body: { ContentType: "application/vnd.amazonaws.connect.event.message.read", Content: '{"messageId":"m-1"}', ClientToken: "ev-1" },
    },
    answer: () => json(200, { Id: "e-1", AbsoluteTime: "2019-11-08T02:41:29.004Z" }),
    output: { id: "e-1", absoluteTime: "2019-11-08T02:41:29.004Z", requestId: "req-200", clientToken: "ev-1" },
  },
  {
    method: "getTranscript",
    input: {
      connectionToken,
      contactId: "c-1",
      maxResults: 0,
      nextToken: "page-2",
      scanDirection: "FORWARD",
      sortOrder: "ASCENDING",
      startPosition: { id: "i-1", absoluteTime: "2019-11-08T02:41:28.172Z", mostRecent: 3 },
    },
    bearer: connectionToken,
    wire: {
      method: "POST",
      path: "/participant/transcript",
      body: {
        ContactId: "c-1",
        MaxResults: 0,
        NextToken: "page-2",
        ScanDirection: "FORWARD",
        SortOrder: "ASCENDING",
        StartPosition: { Id: "i-1", AbsoluteTime: "2019-11-08T02:41:28.172Z", MostRecent: 3 },
      },
    },
    answer: () =>
      json(200, {
        InitialContactId: "c-0",
        NextToken: "page-3",
        Transcript: [
          {
            Id: "i-2",
            Type: "ATTACHMENT",
            ContentType: "application/pdf",
            AbsoluteTime: "2019-11-08T02:41:30.000Z",
            ParticipantId: "p-1",
            DisplayName: "Customer",
            ParticipantRole: "CUSTOMER",
            Attachments: [{ AttachmentId: "a-1", AttachmentName: "r.pdf", ContentType: "application/pdf", Status: "APPROVED" }],
            MessageMetadata: {
              MessageId: "i-2",
              Receipts: [{ DeliveredTimestamp: "t1", ReadTimestamp: "t2", RecipientParticipantId: "p-2" }],
            },
          },
        ],
      }),
    output: {
      initialContactId: "c-0",
      nextToken: "page-3",
      transcript: [
        {
          id: "i-2",
          type: "ATTACHMENT",
          contentType: "application/pdf",
          absoluteTime: "2019-11-08T02:41:30.000Z",
          participantId: "p-1",
          displayName: "Customer",
          participantRole: "CUSTOMER",
          attachments: [{ attachmentId: "a-1", attachmentName: "r.pdf", contentType: "application/pdf", status: "APPROVED" }],
          messageMetadata: {
            messageId: "i-2",
            receipts: [{ deliveredTimestamp: "t1", readTimestamp: "t2", recipientParticipantId: "p-2" }],
          },
        },
      ],
      requestId: "req-200",
    },
  },
  {
    method: "disconnectParticipant",
    input: { connectionToken, clientToken: "bye-1" },
    bearer: connectionToken,
    wire: { method: "POST", path: "/participant/disconnect", body: { ClientToken: "bye-1" } },
    answer: () => empty(),
    output: { requestId: "req-200", clientToken: "bye-1" },
  },
  {
    method: "startAttachmentUpload",
    input: { connectionToken, attachmentName: "r.pdf", attachmentSizeInBytes: 49152, contentType: "application/pdf", clientToken: "up-1" },
    bearer: connectionToken,
    wire: {
      method: "POST",
      path: "/participant/start-attachment-upload",
      body: { AttachmentName: "r.pdf", AttachmentSizeInBytes: 49152, ContentType: "application/pdf", ClientToken: "up-1" },
    },
    answer: () =>
      json(200, {
        AttachmentId: "a-1",
        UploadMetadata: {
          Url: "https://bucket.example/a-1?X-Amz-Signature=s",
          UrlExpiry: "2019-11-08T02:46:28.172Z",
          HeadersToInclude: { "Content-Type": "application/pdf", "x-amz-meta-attachment-id": "a-1" },
        },
      }),
    output: {
      attachmentId: "a-1",
      uploadMetadata: {
        url: "https://bucket.example/a-1?X-Amz-Signature=s",
        urlExpiry: "2019-11-08T02:46:28.172Z",
        headersToInclude: { "Content-Type": "application/pdf", "x-amz-meta-attachment-id": "a-1" },
      },
      requestId: "req-200",
      clientToken: "up-1",
    },
  },
  {
    method: "completeAttachmentUpload",
    input: { connectionToken, attachmentIds: ["a-1"], clientToken: "up-1" },
    bearer: connectionToken,
    wire: { method: "POST", path: "/participant/complete-attachment-upload", body: { AttachmentIds: ["a-1"], ClientToken: "up-1" } },
    answer: () => empty(),
    output: { requestId: "req-200", clientToken: "up-1" },
  },
  {
    method: "getAttachment",
    input: { connectionToken, attachmentId: "a-1", urlExpiryInSeconds: 120 },
    bearer: connectionToken,
    wire: { method: "POST", path: "/participant/attachment", body: { AttachmentId: "a-1", UrlExpiryInSeconds: 120 } },
    answer: () => json(200, { Url: "https://bucket.example/a-1?sig=s", UrlExpiry: "2019-11-08T02:43:28.172Z", AttachmentSizeInBytes: 49152 }),
    output: { url: "https://bucket.example/a-1?sig=s", urlExpiry: "2019-11-08T02:43:28.172Z", attachmentSizeInBytes: 49152, requestId: "req-200" },
  },
  {
    method: "describeView",
    input: { connectionToken, viewToken: "a/b c+d" },
    bearer: connectionToken,
    wire: { method: "GET", path: "/participant/views/a%2Fb%20c%2Bd", body: undefined },
    answer: () =>
      json(200, {
        View: {
          Id: "v-1",
          Arn: "arn:aws:connect:us-east-1:123456789012:instance/i/view/v-1",
          Name: "Confirm",
          Version: 3,
          Content: { InputSchema: "{}", Template: "{}", Actions: ["Confirm", "Cancel"] },
        },
      }),
    output: {
      view: {
        id: "v-1",
        arn: "arn:aws:connect:us-east-1:123456789012:instance/i/view/v-1",
        name: "Confirm",
        version: 3,
        content: { inputSchema: "{}", template: "{}", actions: ["Confirm", "Cancel"] },
      },
      requestId: "req-200",
    },
  },
  {
    method: "getAuthenticationUrl",
    input: { connectionToken, sessionId: "4b9e2d7a-1c5f-4e8b-a3d6-9f0c2e7b5a18", redirectUri: "https://example.com/back" },
    bearer: connectionToken,
    wire: {
      method: "POST",
      path: "/participant/authentication-url",
      body: { SessionId: "4b9e2d7a-1c5f-4e8b-a3d6-9f0c2e7b5a18", RedirectUri: "https://example.com/back" },
    },
    answer: () => json(200, { AuthenticationUrl: "https://auth.example/authorize?state=s" }),
    output: { authenticationUrl: "https://auth.example/authorize?state=s", requestId: "req-200" },
  },
  {
    method: "cancelParticipantAuthentication",
    input: { connectionToken, sessionId: "4b9e2d7a-1c5f-4e8b-a3d6-9f0c2e7b5a18" },
    bearer: connectionToken,
    wire: { method: "POST", path: "/participant/cancel-authentication", body: { SessionId: "4b9e2d7a-1c5f-4e8b-a3d6-9f0c2e7b5a18" } },
    answer: () => empty(),
    output: { requestId: "req-200" },
  },
];

/** Calls a client method by name with an untyped input (the typed forms are covered in types.test.ts). */
function call(client: ParticipantClient, method: keyof ParticipantClient, input: Record<string, unknown>): Promise<unknown> {
  return (client[method] as (input: unknown) => Promise<unknown>)(input);
}

describe("every operation on the wire", () => {
  test("the cases cover every operation", () => {
    const methods = new Set(cases.map((c) => c.method));
    for (const m of [
      "createParticipantConnection",
      "sendMessage",
      "sendEvent",
      "getTranscript",
      "disconnectParticipant",
      "startAttachmentUpload",
      "completeAttachmentUpload",
      "getAttachment",
      "describeView",
      "getAuthenticationUrl",
      "cancelParticipantAuthentication",
    ] as const) {
      assert.ok(methods.has(m), m);
    }
  });

  for (const c of cases) {
    describe(c.method, () => {
      test(`${c.wire.method} ${c.wire.path}: bearer header, Content-Type only with a body, no Authorization, the body's members`, async () => {
        const stub = stubFetch(c.answer);
        await call(createClient({ baseUrl, fetch: stub.fetch }), c.method, c.input);
        assert.equal(stub.sent.length, 1, "one request, no retry");
        const sent = stub.sent[0]!;
        assert.equal(sent.method, c.wire.method);
        assert.equal(sent.path, c.wire.path);
        assert.ok(sent.headers.get("x-amz-bearer") === c.bearer, "X-Amz-Bearer carries the token");
        assert.equal(sent.headers.has("authorization"), false);
        assert.equal(sent.redirect, "manual", "redirects are not followed: they would carry the token elsewhere");
        if (c.wire.body === undefined) {
          assert.deepEqual(headerNames(sent.headers), ["x-amz-bearer"]);
          assert.equal(sent.body, "");
        } else {
          assert.deepEqual(headerNames(sent.headers), ["content-type", "x-amz-bearer"]);
          assert.equal(sent.headers.get("content-type"), "application/json");
          assert.deepEqual(JSON.parse(sent.body), c.wire.body);
        }
      });

      test("the output is the answer's members in camelCase, with the request ID", async () => {
        const out = await call(createClient({ baseUrl, fetch: stubFetch(c.answer).fetch }), c.method, c.input);
        assert.deepEqual(out, c.output);
      });
    });
  }

  test("absent optional members are left out of the body; an operation with a body sends {} at least", async () => {
    const stub = stubFetch(() => json(200, {}));
    await createClient({ baseUrl, fetch: stub.fetch }).getTranscript({ connectionToken, nextToken: undefined });
    assert.equal(stub.sent[0]?.body, "{}");
    assert.equal(stub.sent[0]?.headers.get("content-type"), "application/json");
  });

  test("top-level members the answer leaves out are zero values; objects stay absent", async () => {
    const client = createClient({ baseUrl, fetch: stubFetch(() => json(200, {})).fetch });
    assert.deepEqual(await client.getTranscript({ connectionToken }), { initialContactId: "", nextToken: "", transcript: [], requestId: "req-200" });
    assert.deepEqual(await client.describeView({ connectionToken, viewToken: "v" }), { requestId: "req-200" });
    assert.deepEqual(await client.getAttachment({ connectionToken, attachmentId: "a" }), {
      url: "",
      urlExpiry: "",
      attachmentSizeInBytes: 0,
      requestId: "req-200",
    });
  });

  test("a 200 without a JSON object, for an operation with output members, is an InvalidResponse", async () => {
    for (const body of ["<html>captive portal</html>", "[1,2]", "", "null"]) {
      const client = createClient({ baseUrl, fetch: async () => new Response(body, { status: 200 }) });
      const err = await rejection(client.getAttachment({ connectionToken, attachmentId: "a" }));
      assert.ok(err instanceof ServiceError);
      assert.equal(err.code, "InvalidResponse");
      assert.equal(err.operation, "GetAttachment");
    }
  });

  test("an operation without output members ignores the body of its 200", async () => {
    const client = createClient({ baseUrl, fetch: async () => new Response("not json", { status: 200 }) });
    assert.deepEqual(await client.cancelParticipantAuthentication({ connectionToken, sessionId: "s" }), { requestId: undefined });
  });

  test("nothing is checked on the client: out-of-bounds values reach the wire as given", async () => {
    const stub = stubFetch(() => json(200, {}));
    await createClient({ baseUrl, fetch: stub.fetch }).getTranscript({ connectionToken, maxResults: 1000, scanDirection: "SIDEWAYS" });
    assert.deepEqual(JSON.parse(stub.sent[0]!.body), { MaxResults: 1000, ScanDirection: "SIDEWAYS" });
  });
});

describe("path labels (restJson1)", () => {
  const labels: Array<[string, string]> = [
    ["a/b c+d", "a%2Fb%20c%2Bd"],
    ["AZaz09-._~", "AZaz09-._~"],
    ["!*'()", "%21%2A%27%28%29"],
    ["?#%&=;:@$,", "%3F%23%25%26%3D%3B%3A%40%24%2C"],
    ["é", "%C3%A9"],
    ["😀", "%F0%9F%98%80"],
  ];
  for (const [raw, encoded] of labels) {
    test(`${JSON.stringify(raw)} → ${encoded}`, async () => {
      const stub = stubFetch(() => json(200, {}));
      await createClient({ baseUrl, fetch: stub.fetch }).describeView({ connectionToken, viewToken: raw });
      assert.equal(new URL(stub.sent[0]!.url).pathname, "/participant/views/" + encoded);
      assert.ok(stub.sent[0]!.url.endsWith("/participant/views/" + encoded), "the URL keeps the encoding as sent");
    });
  }

  test("a base URL with a path keeps it in front of the operation's path", async () => {
    const stub = stubFetch(() => json(200, {}));
    await createClient({ baseUrl: "http://127.0.0.1:1/prefix/", fetch: stub.fetch }).describeView({ connectionToken, viewToken: "v 1" });
    assert.equal(stub.sent[0]?.path, "/prefix/participant/views/v%201");
  });
});

describe("idempotency tokens", () => {
  const withToken: Array<{ method: keyof ParticipantClient; input: Record<string, unknown> }> = [
    { method: "sendMessage", input: { connectionToken, contentType: "text/plain", content: "hi" } },
    { method: "sendEvent", input: { connectionToken, contentType: "application/vnd.amazonaws.connect.event.typing" } },
    { method: "disconnectParticipant", input: { connectionToken } },
    { method: "startAttachmentUpload", input: { connectionToken, attachmentName: "a", attachmentSizeInBytes: 1, contentType: "text/plain" } },
    { method: "completeAttachmentUpload", input: { connectionToken, attachmentIds: ["a-1"] } },
  ];
  const answer: Handler = () => json(200, { Id: "x", AbsoluteTime: "t", AttachmentId: "a" });

  for (const { method, input } of withToken) {
    describe(method, () => {
      for (const [name, given] of [
        ["absent", undefined],
        ["empty", ""],
      ] as const) {
        test(`an ${name} ClientToken is filled in by the provider, sent and returned`, async () => {
          const stub = stubFetch(answer);
          const client = createClient({ baseUrl, fetch: stub.fetch, idempotencyTokenProvider: counter() });
          const out = (await call(client, method, given === undefined ? input : { ...input, clientToken: given })) as { clientToken: string };
          assert.equal(JSON.parse(stub.sent[0]!.body).ClientToken, "filled-1");
          assert.equal(out.clientToken, "filled-1");
        });
      }

      test("a caller's ClientToken is sent unchanged and returned; the provider is not asked", async () => {
        const stub = stubFetch(answer);
        const client = createClient({ baseUrl, fetch: stub.fetch, idempotencyTokenProvider: () => assert.fail("provider called") });
        const out = (await call(client, method, { ...input, clientToken: "mine-42" })) as { clientToken: string };
        assert.equal(JSON.parse(stub.sent[0]!.body).ClientToken, "mine-42");
        assert.equal(out.clientToken, "mine-42");
      });

      test("by default the filled-in token is a fresh UUIDv4 per call", async () => {
        const stub = stubFetch(answer);
        const client = createClient({ baseUrl, fetch: stub.fetch });
        const a = (await call(client, method, input)) as { clientToken: string };
        const b = (await call(client, method, input)) as { clientToken: string };
        assert.match(a.clientToken, uuidV4);
        assert.match(b.clientToken, uuidV4);
        assert.notEqual(a.clientToken, b.clientToken);
        assert.equal(JSON.parse(stub.sent[0]!.body).ClientToken, a.clientToken);
      });

      test("an error answer carries the ClientToken sent, filled in or the caller's, unredacted and in toJSON", async () => {
        const throttled = stubFetch(() => json(429, { Message: "slow down" }, { "X-Amzn-ErrorType": "ThrottlingException" }));
        const client = createClient({ baseUrl, fetch: throttled.fetch, idempotencyTokenProvider: counter() });
        const filled = await rejection(call(client, method, input));
        assert.ok(filled instanceof ThrottlingException);
        assert.equal(filled.clientToken, "filled-1");
        assert.equal(clientTokenOf(filled), "filled-1");
        assert.equal(filled.toJSON().clientToken, "filled-1");

        const mine = "0d3f6a9e-2b47-4c1e-9a55-7e81c6f0b2d4";
        const given = await rejection(call(client, method, { ...input, clientToken: mine }));
        assert.ok(given instanceof ServiceError);
        assert.equal(given.clientToken, mine);
        assert.equal(JSON.parse(throttled.sent[1]!.body).ClientToken, mine);
        assert.ok(JSON.stringify(given).includes(mine), "it is no secret: the printed error shows it");
      });

      test("a fetch failure carries the ClientToken sent as its clientToken; its class is kept", async () => {
        const client = createClient({
          baseUrl,
          fetch: async () => {
            throw new TypeError("fetch failed", { cause: new Error("other side closed") });
          },
          idempotencyTokenProvider: counter(),
        });
        const err = await rejection(call(client, method, input));
        assert.ok(err instanceof TypeError);
        assert.equal(err.message, "fetch failed");
        assert.equal(clientTokenOf(err), "filled-1");
      });
    });
  }

  test("the caller's abort reason is rejected with as it is, without a clientToken added", async () => {
    const controller = new AbortController();
    const reason = new Error("the caller gave up");
    controller.abort(reason);
    const client = createClient({ baseUrl, fetch: (r) => fetch(r) });
    const err = await rejection(client.sendMessage({ connectionToken, contentType: "text/plain", content: "hi", signal: controller.signal }));
    assert.equal(err, reason);
    assert.equal(Object.hasOwn(reason, "clientToken"), false);
  });

  test("errors of operations without an idempotency token carry none", async () => {
    const client = createClient({ baseUrl, fetch: stubFetch(() => json(400, { Message: "no" })).fetch });
    const err = await rejection(client.getAttachment({ connectionToken, attachmentId: "a" }));
    assert.ok(err instanceof ServiceError);
    assert.equal(err.clientToken, undefined);
    assert.equal("clientToken" in err.toJSON(), false);
    const failing = createClient({
      baseUrl,
      fetch: async () => {
        throw new TypeError("fetch failed");
      },
    });
    assert.equal(clientTokenOf(await rejection(failing.getTranscript({ connectionToken }))), undefined);
  });

  test("operations without an idempotency token return no clientToken and never ask the provider", async () => {
    const client = createClient({
      baseUrl,
      fetch: stubFetch(() => json(200, {})).fetch,
      idempotencyTokenProvider: () => assert.fail("provider called"),
    });
    const out = await client.getAttachment({ connectionToken, attachmentId: "a" });
    assert.equal("clientToken" in out, false);
  });
});

describe("no retries, and abort", () => {
  for (const status of [429, 500, 503]) {
    test(`an answer of ${status} is returned after one request`, async () => {
      const stub = stubFetch(() => json(status, { Message: "try later" }));
      const client = createClient({ baseUrl, fetch: stub.fetch });
      await rejection(client.disconnectParticipant({ connectionToken }));
      assert.equal(stub.sent.length, 1);
    });
  }

  test("a fetch failure is passed through after one attempt", async () => {
    let n = 0;
    const client = createClient({
      baseUrl,
      fetch: async () => {
        n++;
        throw new TypeError("fetch failed");
      },
    });
    const err = await rejection(client.getTranscript({ connectionToken }));
    assert.ok(err instanceof TypeError);
    assert.equal(n, 1);
  });

  test("an abort signal cancels the request of any operation", async () => {
    const controller = new AbortController();
    controller.abort();
    const client = createClient({ baseUrl, fetch: (r) => fetch(r) });
    await assert.rejects(client.describeView({ connectionToken, viewToken: "v", signal: controller.signal }), { name: "AbortError" });
  });
});
