// Unit tests of the typed errors of every operation: the class per status and code, the fields
// of ResourceNotFoundException, the deterministic choice between spellings of a body's keys, and
// the redaction of every token a call holds, even when the server echoes it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { inspect } from "node:util";

import {
  AccessDeniedException,
  ConflictException,
  createClient,
  errorStatus,
  InternalServerException,
  ResourceNotFoundException,
  ServiceError,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
  type ParticipantClient,
} from "../src/index.js";
import { assertClean, json, rejection, stubFetch } from "./stub.js";

const connectionToken = "QVFJREFIaGV4YW1wbGVjb25uZWN0aW9udG9rZW4-connection-secret";
const participantToken = "QVFJREFIaGV4YW1wbGVwYXJ0aWNpcGFudHRva2Vu-participant-secret";
const baseUrl = "http://127.0.0.1:1";

function failing(status: number, body: unknown, headers: Record<string, string> = {}): ParticipantClient {
  return createClient({ baseUrl, fetch: async () => json(status, body, headers) });
}

describe("typed errors of every operation", () => {
  // Each modelled error, with its status, and operations of the contract that answer with it.
  const modelled: Array<{ code: string; status: number; cls: typeof ServiceError; calls: Array<(c: ParticipantClient) => Promise<unknown>> }> = [
    {
      code: "ValidationException",
      status: 400,
      cls: ValidationException,
      calls: [(c) => c.getAuthenticationUrl({ connectionToken, sessionId: "s", redirectUri: "r" }), (c) => c.getTranscript({ connectionToken })],
    },
    {
      code: "ServiceQuotaExceededException",
      status: 402,
      cls: ServiceQuotaExceededException,
      calls: [
        (c) => c.startAttachmentUpload({ connectionToken, attachmentName: "a", attachmentSizeInBytes: 1, contentType: "text/plain" }),
        (c) => c.completeAttachmentUpload({ connectionToken, attachmentIds: ["a"] }),
      ],
    },
    {
      code: "AccessDeniedException",
      status: 403,
      cls: AccessDeniedException,
      calls: [(c) => c.createParticipantConnection({ participantToken }), (c) => c.disconnectParticipant({ connectionToken })],
    },
    {
      code: "ResourceNotFoundException",
      status: 404,
      cls: ResourceNotFoundException,
      calls: [(c) => c.describeView({ connectionToken, viewToken: "missing-view" })],
    },
    {
      code: "ConflictException",
      status: 409,
      cls: ConflictException,
      calls: [
        (c) => c.sendEvent({ connectionToken, contentType: "application/vnd.amazonaws.connect.event.message.read" }),
        (c) => c.completeAttachmentUpload({ connectionToken, attachmentIds: ["a"] }),
      ],
    },
    {
      code: "ThrottlingException",
      status: 429,
      cls: ThrottlingException,
      calls: [(c) => c.sendMessage({ connectionToken, contentType: "text/plain", content: "hi" }), (c) => c.getAttachment({ connectionToken, attachmentId: "a" })],
    },
    {
      code: "InternalServerException",
      status: 500,
      cls: InternalServerException,
      calls: [(c) => c.cancelParticipantAuthentication({ connectionToken, sessionId: "s" })],
    },
  ];

  test("the cases cover every error of the generated errorStatus table, with its status", () => {
    assert.deepEqual(
      Object.fromEntries(modelled.map((m) => [m.code, m.status])),
      Object.fromEntries(Object.entries(errorStatus)),
    );
  });

  for (const m of modelled) {
    for (const [i, callOp] of m.calls.entries()) {
      test(`${m.status} ${m.code} (call ${i + 1})`, async () => {
        const headers = { "X-Amzn-ErrorType": `${m.code}:http://internal.amazon.com/coral/com.amazonaws.connectparticipant/` };
        const err = await rejection(callOp(failing(m.status, { Message: "what went wrong" }, headers)));
        assert.ok(err instanceof m.cls, `want ${m.cls.name}, got ${String(err)}`);
        assert.ok(err instanceof ServiceError);
        assert.equal(err.name, m.code);
        assert.equal(err.code, m.code);
        assert.equal(err.status, m.status);
        assert.equal(err.message, "what went wrong");
        assert.equal(err.requestId, `req-${m.status}`);
        assert.equal(typeof err.operation, "string");
        assert.equal(err.fault, m.status >= 500 ? "server" : "client");
      });
    }
  }

  test("the operation that got the answer is named", async () => {
    const err = await rejection(failing(403, { Message: "no" }, { "X-Amzn-ErrorType": "AccessDeniedException" }).describeView({ connectionToken, viewToken: "v" }));
    assert.ok(err instanceof ServiceError);
    assert.equal(err.operation, "DescribeView");
    assert.equal(err.toJSON().operation, "DescribeView");
  });

  test("a status alone implies an error only for 429 and 500, as the AWS SDKs do", async () => {
    const cases: Array<[number, string]> = [
      [429, "ThrottlingException"],
      [500, "InternalServerException"],
      [402, "UnknownError"],
      [404, "UnknownError"],
      [409, "UnknownError"],
    ];
    for (const [status, code] of cases) {
      const err = await rejection(failing(status, {}).getTranscript({ connectionToken }));
      assert.ok(err instanceof ServiceError);
      assert.equal(err.code, code, String(status));
    }
  });
});

describe("ResourceNotFoundException", () => {
  test("exposes ResourceId and ResourceType, also in toJSON", async () => {
    const err = await rejection(
      failing(404, { Message: "The requested resource was not found.", ResourceId: "example-view", ResourceType: "CONTACT_FLOW" }, {
        "X-Amzn-ErrorType": "ResourceNotFoundException",
      }).describeView({ connectionToken, viewToken: "v" }),
    );
    assert.ok(err instanceof ResourceNotFoundException);
    assert.equal(err.resourceId, "example-view");
    assert.equal(err.resourceType, "CONTACT_FLOW");
    assert.deepEqual(err.toJSON(), {
      name: "ResourceNotFoundException",
      status: 404,
      code: "ResourceNotFoundException",
      message: "The requested resource was not found.",
      requestId: "req-404",
      operation: "DescribeView",
      resourceId: "example-view",
      resourceType: "CONTACT_FLOW",
    });
  });

  test("without them, both are undefined", async () => {
    const err = await rejection(failing(404, { message: "gone" }, { "X-Amzn-ErrorType": "ResourceNotFoundException" }).describeView({ connectionToken, viewToken: "v" }));
    assert.ok(err instanceof ResourceNotFoundException);
    assert.equal(err.resourceId, undefined);
    assert.equal(err.resourceType, undefined);
  });

  test("a resource type the client does not know is kept (the enumeration is open)", async () => {
    const err = await rejection(
      failing(404, { ResourceType: "NEW_KIND", resourceId: "r" }, { "X-Amzn-ErrorType": "ResourceNotFoundException" }).describeView({ connectionToken, viewToken: "v" }),
    );
    assert.ok(err instanceof ResourceNotFoundException);
    assert.equal(err.resourceType, "NEW_KIND");
    assert.equal(err.resourceId, "r");
  });
});

describe("deterministic field resolution", () => {
  // Raw JSON, so that the order of the keys is the one written.
  async function resolve(body: string, headers: Record<string, string> = {}): Promise<ServiceError> {
    const client = createClient({
      baseUrl,
      fetch: async () => new Response(body, { status: 400, headers: { "content-type": "application/json", ...headers } }),
    });
    const err = await rejection(client.getTranscript({ connectionToken }));
    assert.ok(err instanceof ServiceError);
    return err;
  }

  test("Message wins over message, in either order", async () => {
    assert.equal((await resolve('{"Message":"upper","message":"lower"}')).message, "upper");
    assert.equal((await resolve('{"message":"lower","Message":"upper"}')).message, "upper");
  });

  test("message wins over other spellings, in either order", async () => {
    assert.equal((await resolve('{"MESSAGE":"shout","message":"lower"}')).message, "lower");
    assert.equal((await resolve('{"message":"lower","MESSAGE":"shout"}')).message, "lower");
  });

  test("a Message that is not a non-empty string is skipped", async () => {
    assert.equal((await resolve('{"Message":5,"message":"lower"}')).message, "lower");
    assert.equal((await resolve('{"Message":"","message":"lower"}')).message, "lower");
  });

  test("code wins over Code, in either order", async () => {
    assert.equal((await resolve('{"code":"ThrottlingException","Code":"ConflictException"}')).code, "ThrottlingException");
    assert.equal((await resolve('{"Code":"ConflictException","code":"ThrottlingException"}')).code, "ThrottlingException");
  });

  test("other spellings of code are taken in a fixed order, whatever the body's order", async () => {
    const a = await resolve('{"Code":"ConflictException","CODE":"ThrottlingException"}');
    const b = await resolve('{"CODE":"ThrottlingException","Code":"ConflictException"}');
    assert.equal(a.code, b.code);
  });

  test("the header wins over the body; code over __type", async () => {
    assert.equal((await resolve('{"code":"ConflictException"}', { "X-Amzn-ErrorType": "ValidationException" })).code, "ValidationException");
    assert.equal((await resolve('{"__type":"a#ConflictException","code":"ThrottlingException"}')).code, "ThrottlingException");
  });
});

describe("no error shows a token", () => {
  test("a token echoed in Message, X-Amzn-ErrorType and x-amzn-RequestId is redacted", async () => {
    const client = createClient({
      baseUrl,
      fetch: async () =>
        json(
          400,
          { Message: `token ${connectionToken} is not valid` },
          { "X-Amzn-ErrorType": `Weird${connectionToken}`, "x-amzn-RequestId": `req-${connectionToken}` },
        ),
    });
    const err = await rejection(client.sendMessage({ connectionToken, contentType: "text/plain", content: "hi" }));
    assert.ok(err instanceof ServiceError);
    assert.equal(err.message, "token <redacted> is not valid");
    assert.equal(err.code, "Weird<redacted>");
    assert.equal(err.requestId, "req-<redacted>");
    assertClean(err, connectionToken);
  });

  test("a modelled error with the token in its header keeps its class and loses the token", async () => {
    const client = failing(403, { message: connectionToken }, { "X-Amzn-ErrorType": `AccessDeniedException:${connectionToken}` });
    const err = await rejection(client.getTranscript({ connectionToken }));
    assert.ok(err instanceof AccessDeniedException);
    assertClean(err, connectionToken);
  });

  test("the participant token of createParticipantConnection is redacted too", async () => {
    const err = await rejection(failing(403, { Message: `participant ${participantToken}` }).createParticipantConnection({ participantToken }));
    assertClean(err, participantToken);
  });

  test("a short bearer token is still redacted (it is marked sensitive)", async () => {
    const err = await rejection(failing(403, { Message: "bad token xq7" }).getTranscript({ connectionToken: "xq7" }));
    assert.ok(err instanceof ServiceError);
    assert.equal(err.message, "bad token <redacted>");
  });

  test("other tokens the call holds (view token, next token) are redacted, raw or percent-encoded", async () => {
    const viewToken = "view token/with spaces";
    const err404 = await rejection(
      failing(404, { Message: `no view ${encodeURIComponent(viewToken)}`, ResourceId: viewToken }, { "X-Amzn-ErrorType": "ResourceNotFoundException" }).describeView({
        connectionToken,
        viewToken,
      }),
    );
    assert.ok(err404 instanceof ResourceNotFoundException);
    assert.equal(err404.resourceId, "<redacted>");
    assertClean(err404, viewToken, encodeURIComponent(viewToken));

    const nextToken = "eyJwYWdlIjoyfQ-next-page";
    const errNext = await rejection(failing(400, { Message: `bad NextToken ${nextToken}` }).getTranscript({ connectionToken, nextToken }));
    assertClean(errNext, nextToken);

  });

  test("the idempotency token is no secret: the error keeps it, in its message and as clientToken", async () => {
    const clientToken = "0d3f6a9e-2b47-4c1e-9a55-7e81c6f0b2d4";
    const err = await rejection(
      failing(400, { Message: `ClientToken ${clientToken} reused by ${connectionToken}` }).disconnectParticipant({ connectionToken, clientToken }),
    );
    assert.ok(err instanceof ServiceError);
    assert.equal(err.message, `ClientToken ${clientToken} reused by <redacted>`);
    assert.equal(err.clientToken, clientToken);
    assert.equal(err.toJSON().clientToken, clientToken);
    assertClean(err, connectionToken);
  });

  test("a fetch error that quotes a token is cleaned; its name is kept", async () => {
    const viewToken = "secret-view-token-123";
    const client = createClient({
      baseUrl,
      fetch: async (r) => {
        throw new TypeError(`fetch failed: ${r.url}`, { cause: new Error(`connect to ${r.url} with ${connectionToken}`) });
      },
    });
    const err = await rejection(client.describeView({ connectionToken, viewToken }));
    assert.ok(err instanceof Error);
    assert.equal(err.name, "TypeError");
    assert.match(err.message, /^fetch failed: /);
    assertClean(err, connectionToken, viewToken);
    assert.ok(!inspect(err, { depth: 10 }).includes(connectionToken));
  });

  test("an HTML error page keeps its status in the message", async () => {
    const client = createClient({
      baseUrl,
      fetch: async () => new Response("<html>502 Bad Gateway</html>", { status: 502, statusText: "Bad Gateway", headers: { "content-type": "text/html" } }),
    });
    const err = await rejection(client.getAuthenticationUrl({ connectionToken, sessionId: "s", redirectUri: "r" }));
    assert.ok(err instanceof ServiceError);
    assert.equal(err.code, "UnknownError");
    assert.match(err.message, /^HTTP 502 Bad Gateway .*not JSON \(text\/html/);
  });

  test("a redirect is not followed: it is an error with its status, and the token stays home", async () => {
    const stub = stubFetch(() => new Response(null, { status: 307, headers: { location: "https://elsewhere.example/" } }));
    const err = await rejection(createClient({ baseUrl, fetch: stub.fetch }).getTranscript({ connectionToken }));
    assert.ok(err instanceof ServiceError);
    assert.equal(err.status, 307);
    assert.equal(stub.sent.length, 1);
    assert.equal(stub.sent[0]?.redirect, "manual");
  });
});
