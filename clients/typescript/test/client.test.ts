// Unit tests of the client with a stub fetch: the wire form, the ClientToken, the output, and the
// restJson1 error resolution. No network.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { inspect } from "node:util";

import {
  AccessDeniedException,
  ConflictException,
  createClient,
  InternalServerException,
  ResourceNotFoundException,
  sanitizeErrorCode,
  ServiceError,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from "../src/index.js";
import { recordingFetch } from "./wire.js";

const token = "QVFJREFIaGV4YW1wbGVjb25uZWN0aW9udG9rZW4-secret";
const baseUrl = "http://127.0.0.1:1";
const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function answer(status: number, body: string | null, headers: Record<string, string> = {}): () => Promise<Response> {
  return async () => new Response(body, { status, headers });
}

const accepted = answer(
  200,
  JSON.stringify({ Id: "m-1", AbsoluteTime: "2019-11-08T02:41:28.172Z", MessageMetadata: { MessageProcessingStatus: "PROCESSING" } }),
  { "content-type": "application/json", "x-amzn-RequestId": "req-ok" },
);

describe("sendMessage on the wire", () => {
  test("POSTs JSON to /participant/message with the token in X-Amz-Bearer and no Authorization", async () => {
    const rec = recordingFetch(accepted);
    await createClient({ baseUrl, fetch: rec.fetch }).sendMessage({ connectionToken: token, contentType: "text/plain", content: "hi" });
    assert.equal(rec.sent.length, 1);
    const [sent] = rec.sent;
    assert.equal(sent?.method, "POST");
    assert.equal(sent?.path, "/participant/message");
    assert.ok(sent?.headers.get("x-amz-bearer") === token, "X-Amz-Bearer carries the connection token");
    assert.equal(sent?.headers.get("content-type"), "application/json");
    assert.equal(sent?.headers.has("authorization"), false);
    const body = JSON.parse(sent?.body ?? "") as Record<string, unknown>;
    assert.equal(body["ContentType"], "text/plain");
    assert.equal(body["Content"], "hi");
  });

  const clientTokens: Array<{ name: string; given: string | undefined; generated: boolean }> = [
    { name: "an absent ClientToken is filled with a UUIDv4", given: undefined, generated: true },
    { name: "an empty ClientToken is filled with a UUIDv4", given: "", generated: true },
    { name: "a caller's ClientToken is sent unchanged", given: "my-token-1", generated: false },
  ];
  for (const c of clientTokens) {
    test(c.name, async () => {
      const rec = recordingFetch(accepted);
      const out = await createClient({ baseUrl, fetch: rec.fetch }).sendMessage({
        connectionToken: token,
        contentType: "text/plain",
        content: "hi",
        ...(c.given === undefined ? {} : { clientToken: c.given }),
      });
      const sentToken = (JSON.parse(rec.sent[0]?.body ?? "") as { ClientToken?: string }).ClientToken;
      if (c.generated) assert.match(sentToken ?? "", uuidV4);
      else assert.equal(sentToken, c.given);
      assert.equal(out.clientToken, sentToken, "the output returns the ClientToken that was sent");
    });
  }

  test("each message without a ClientToken gets a different one", async () => {
    const rec = recordingFetch(accepted);
    const client = createClient({ baseUrl, fetch: rec.fetch });
    const a = await client.sendMessage({ connectionToken: token, contentType: "text/plain", content: "a" });
    const b = await client.sendMessage({ connectionToken: token, contentType: "text/plain", content: "b" });
    assert.notEqual(a.clientToken, b.clientToken);
  });

  test("the output maps the service's answer and the request ID", async () => {
    const out = await createClient({ baseUrl, fetch: accepted }).sendMessage({
      connectionToken: token,
      contentType: "text/plain",
      content: "hi",
      clientToken: "t",
    });
    assert.deepEqual(out, {
      id: "m-1",
      absoluteTime: "2019-11-08T02:41:28.172Z",
      messageMetadata: { messageProcessingStatus: "PROCESSING" },
      messageProcessingStatus: "PROCESSING",
      requestId: "req-ok",
      clientToken: "t",
    });
  });

  test("a 200 answer without a JSON result is an InvalidResponse error, not a crash", async () => {
    const client = createClient({ baseUrl, fetch: answer(200, "<html>captive portal</html>", { "content-type": "text/html" }) });
    await assert.rejects(client.sendMessage({ connectionToken: token, contentType: "text/plain", content: "hi" }), (err: unknown) => {
      assert.ok(err instanceof ServiceError);
      assert.equal(err.code, "InvalidResponse");
      assert.equal(err.status, 200);
      return true;
    });
  });

  test("an abort signal cancels the request", async () => {
    const controller = new AbortController();
    controller.abort();
    const rec = recordingFetch((r) => fetch(r));
    const client = createClient({ baseUrl, fetch: rec.fetch });
    await assert.rejects(
      client.sendMessage({ connectionToken: token, contentType: "text/plain", content: "hi", signal: controller.signal }),
      { name: "AbortError" },
    );
  });
});

describe("error resolution (restJson1)", () => {
  const json = { "content-type": "application/json" };
  const cases: Array<{
    name: string;
    status: number;
    headers?: Record<string, string>;
    body: string | null;
    code: string;
    cls: typeof ServiceError;
    message: RegExp;
  }> = [
    {
      name: "X-Amzn-ErrorType with a URI after ':' gives the bare name",
      status: 403,
      headers: { ...json, "X-Amzn-ErrorType": "AccessDeniedException:http://internal.amazon.com/coral/com.amazonaws.connectparticipant/" },
      body: '{"Message":"You do not have sufficient access to perform this action."}',
      code: "AccessDeniedException",
      cls: AccessDeniedException,
      message: /^You do not have sufficient access/,
    },
    {
      name: "X-Amzn-ErrorType with a namespace before '#' gives the bare name",
      status: 400,
      headers: { ...json, "X-Amzn-ErrorType": "com.amazonaws.connectparticipant#ValidationException" },
      body: '{"message":"Content is too long."}',
      code: "ValidationException",
      cls: ValidationException,
      message: /^Content is too long\.$/,
    },
    {
      name: "the header wins over the body's code and __type",
      status: 429,
      headers: { ...json, "x-amzn-errortype": "ThrottlingException" },
      body: '{"code":"ValidationException","__type":"ConflictException","Message":"Rate exceeded."}',
      code: "ThrottlingException",
      cls: ThrottlingException,
      message: /^Rate exceeded\.$/,
    },
    {
      name: "without the header the body's code is used, its key matched ignoring case",
      status: 409,
      headers: json,
      body: '{"Code":"ConflictException","__type":"ValidationException","Message":"conflict"}',
      code: "ConflictException",
      cls: ConflictException,
      message: /^conflict$/,
    },
    {
      name: "without header or code the body's __type is used, namespace and URI stripped",
      status: 402,
      headers: json,
      body: '{"__TYPE":"com.amazonaws.connectparticipant#ServiceQuotaExceededException:http://x/","Message":"quota"}',
      code: "ServiceQuotaExceededException",
      cls: ServiceQuotaExceededException,
      message: /^quota$/,
    },
    {
      name: "ResourceNotFoundException maps to its class",
      status: 404,
      headers: { ...json, "X-Amzn-ErrorType": "ResourceNotFoundException" },
      body: '{"Message":"not found","ResourceId":"v"}',
      code: "ResourceNotFoundException",
      cls: ResourceNotFoundException,
      message: /^not found$/,
    },
    {
      name: "a 429 that names no error is a ThrottlingException",
      status: 429,
      body: null,
      code: "ThrottlingException",
      cls: ThrottlingException,
      message: /^HTTP 429/,
    },
    {
      name: "a 500 that names no error is an InternalServerException",
      status: 500,
      headers: json,
      body: "{}",
      code: "InternalServerException",
      cls: InternalServerException,
      message: /^HTTP 500 .*no message/,
    },
    {
      name: "an HTML 502 from a proxy keeps its status in the message",
      status: 502,
      headers: { "content-type": "text/html" },
      body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
      code: "UnknownError",
      cls: ServiceError,
      message: /^HTTP 502 .*not JSON \(text\/html/,
    },
    {
      name: "an empty 503 keeps its status in the message",
      status: 503,
      body: "",
      code: "UnknownError",
      cls: ServiceError,
      message: /^HTTP 503 with an empty body$/,
    },
    {
      name: "an error code the client does not model is a plain ServiceError with that code",
      status: 400,
      headers: { ...json, "X-Amzn-ErrorType": "SerializationException" },
      body: '{"Message":"bad JSON"}',
      code: "SerializationException",
      cls: ServiceError,
      message: /^bad JSON$/,
    },
    {
      name: "an error code equal to an Object.prototype key is a plain ServiceError",
      status: 400,
      headers: { ...json, "X-Amzn-ErrorType": "constructor" },
      body: "{}",
      code: "constructor",
      cls: ServiceError,
      message: /^HTTP 400/,
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const headers = { "x-amzn-RequestId": "req-" + c.status, ...c.headers };
      const client = createClient({ baseUrl, fetch: answer(c.status, c.body, headers) });
      const err = await client.sendMessage({ connectionToken: token, contentType: "text/plain", content: "hi" }).then(
        () => assert.fail("sendMessage resolved; want a rejection"),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ServiceError, "every error answer is a ServiceError");
      assert.equal(err.constructor, c.cls);
      assert.equal(err.name, c.cls.name);
      assert.equal(err.code, c.code);
      assert.equal(err.status, c.status);
      assert.equal(err.requestId, "req-" + c.status);
      assert.match(err.message, c.message);
      assert.equal(err.fault, c.status >= 500 ? "server" : "client");
      for (const shown of [String(err), JSON.stringify(err), inspect(err), err.stack ?? ""]) {
        assert.equal(shown.includes(token), false, "the connection token never appears in an error");
      }
    });
  }

  test("sanitizeErrorCode keeps what is before ':' and then what is after '#'", () => {
    const table: Array<[string, string]> = [
      ["FooError", "FooError"],
      ["FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError"],
      ["aws.protocoltests.restjson#FooError", "FooError"],
      ["aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError"],
    ];
    for (const [raw, want] of table) assert.equal(sanitizeErrorCode(raw), want, raw);
  });
});
