// Unit tests of the flows: uploadAttachment (start → PUT → complete), downloadAttachment
// (GetAttachment → GET, size checked) and the transcriptItems iterator, with a stub fetch that
// plays both the service and the storage host.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  AttachmentSizeError,
  clientTokenOf,
  createClient,
  ServiceError,
  ServiceQuotaExceededException,
  StorageError,
  ThrottlingException,
  type TranscriptItem,
} from "../src/index.js";
import { assertClean, empty, headerNames, json, rejection, stubFetch, type Handler, type Recorded } from "./stub.js";

const connectionToken = "QVFJREFIaGV4YW1wbGVjb25uZWN0aW9udG9rZW4-connection-secret";
const baseUrl = "http://service.test";
const signature = "X-Amz-Signature=0123456789abcdef-signature";
const uploadUrl = `https://bucket.storage.test/attachments/a-1?X-Amz-Credential=cred&${signature}`;
const downloadUrl = `https://bucket.storage.test/attachments/a-1?${signature}`;
const headersToInclude = { "Content-Type": "application/pdf", "x-amz-meta-attachment-id": "a-1" };

/** Routes a request to the service (by path) or to the storage host. */
function router(routes: Record<string, Handler>, storage: Handler): Handler {
  return (req, i) => {
    if (req.host === "bucket.storage.test") return storage(req, i);
    const route = routes[`${req.method} ${req.path}`];
    if (!route) return json(404, { Message: `no route ${req.method} ${req.path}` });
    return route(req, i);
  };
}

function bodyOf(req: Recorded | undefined): Record<string, unknown> {
  return JSON.parse(req?.body ?? "") as Record<string, unknown>;
}

const started: Handler = () =>
  json(200, { AttachmentId: "a-1", UploadMetadata: { Url: uploadUrl, UrlExpiry: "2019-11-08T02:46:28.172Z", HeadersToInclude: headersToInclude } });

describe("uploadAttachment", () => {
  const bytes = new TextEncoder().encode("%PDF-1.7 five");
  const bodies: Array<[string, () => Blob | Uint8Array | ArrayBuffer]> = [
    ["a Uint8Array", () => bytes],
    ["an ArrayBuffer", () => bytes.slice().buffer],
    ["a Blob", () => new Blob([bytes], { type: "text/plain" })],
    ["a view into a larger buffer", () => new Uint8Array([0, 0, ...bytes, 0]).subarray(2, 2 + bytes.length)],
  ];

  for (const [name, body] of bodies) {
    test(`${name}: start, PUT exactly HeadersToInclude without the bearer, complete with the same ClientToken`, async () => {
      const stub = stubFetch(
        router(
          { "POST /participant/start-attachment-upload": started, "POST /participant/complete-attachment-upload": () => empty({ "x-amzn-RequestId": "req-complete" }) },
          () => new Response(null, { status: 200 }),
        ),
      );
      const client = createClient({ baseUrl, fetch: stub.fetch, idempotencyTokenProvider: () => "upload-token-1" });
      const out = await client.uploadAttachment({ connectionToken, attachmentName: "receipt.pdf", contentType: "application/pdf", body: body() });

      assert.deepEqual(
        stub.sent.map((r) => `${r.method} ${r.host}${r.path}`),
        ["POST service.test/participant/start-attachment-upload", "PUT bucket.storage.test/attachments/a-1", "POST service.test/participant/complete-attachment-upload"],
      );
      const [start, put, complete] = stub.sent;
      assert.deepEqual(bodyOf(start), {
        AttachmentName: "receipt.pdf",
        AttachmentSizeInBytes: bytes.byteLength,
        ContentType: "application/pdf",
        ClientToken: "upload-token-1",
      });
      assert.ok(start?.headers.get("x-amz-bearer") === connectionToken);

      assert.equal(put?.url, uploadUrl, "the pre-signed URL is used as given, query included");
      assert.deepEqual(headerNames(put!.headers), ["content-type", "x-amz-meta-attachment-id"], "exactly HeadersToInclude");
      assert.equal(put?.headers.get("content-type"), "application/pdf");
      assert.equal(put?.headers.get("x-amz-meta-attachment-id"), "a-1");
      assert.equal(put?.headers.has("x-amz-bearer"), false, "the bearer token never goes to the storage host");
      assert.deepEqual(put?.bytes, bytes);
      assert.equal(put?.redirect, "manual");

      assert.deepEqual(bodyOf(complete), { AttachmentIds: ["a-1"], ClientToken: "upload-token-1" });
      assert.ok(complete?.headers.get("x-amz-bearer") === connectionToken);
      assert.deepEqual(out, { attachmentId: "a-1", attachmentSizeInBytes: bytes.byteLength, clientToken: "upload-token-1", requestId: "req-complete" });
    });
  }

  test("a Blob's own type adds no header: the PUT carries only HeadersToInclude", async () => {
    const stub = stubFetch(
      router(
        {
          "POST /participant/start-attachment-upload": () => json(200, { AttachmentId: "a-1", UploadMetadata: { Url: uploadUrl, HeadersToInclude: { "x-amz-meta-a": "1" } } }),
          "POST /participant/complete-attachment-upload": () => empty(),
        },
        () => new Response(null, { status: 200 }),
      ),
    );
    await createClient({ baseUrl, fetch: stub.fetch }).uploadAttachment({
      connectionToken,
      attachmentName: "a.txt",
      contentType: "text/plain",
      body: new Blob(["hello"], { type: "text/plain" }),
    });
    assert.deepEqual(headerNames(stub.sent[1]!.headers), ["x-amz-meta-a"]);
  });

  test("a caller's ClientToken is sent on both steps and returned", async () => {
    const stub = stubFetch(
      router({ "POST /participant/start-attachment-upload": started, "POST /participant/complete-attachment-upload": () => empty() }, () => new Response(null, { status: 200 })),
    );
    const client = createClient({ baseUrl, fetch: stub.fetch, idempotencyTokenProvider: () => assert.fail("provider called") });
    const out = await client.uploadAttachment({ connectionToken, attachmentName: "a", contentType: "text/plain", body: bytes, clientToken: "mine-7" });
    assert.equal(bodyOf(stub.sent[0]).ClientToken, "mine-7");
    assert.equal(bodyOf(stub.sent[2]).ClientToken, "mine-7");
    assert.equal(out.clientToken, "mine-7");
  });

  test("an empty ClientToken is filled in once and used on both steps", async () => {
    let n = 0;
    const stub = stubFetch(
      router({ "POST /participant/start-attachment-upload": started, "POST /participant/complete-attachment-upload": () => empty() }, () => new Response(null, { status: 200 })),
    );
    const client = createClient({ baseUrl, fetch: stub.fetch, idempotencyTokenProvider: () => `t-${++n}` });
    await client.uploadAttachment({ connectionToken, attachmentName: "a", contentType: "text/plain", body: bytes, clientToken: "" });
    assert.equal(bodyOf(stub.sent[0]).ClientToken, "t-1");
    assert.equal(bodyOf(stub.sent[2]).ClientToken, "t-1");
    assert.equal(n, 1);
  });

  test("a refusal of the storage host is a StorageError without the URL's query or the token; nothing is completed", async () => {
    const stub = stubFetch(
      router(
        { "POST /participant/start-attachment-upload": started, "POST /participant/complete-attachment-upload": () => empty() },
        () =>
          new Response(`<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>for ${uploadUrl}</Message></Error>`, {
            status: 403,
            statusText: "Forbidden",
            headers: { "content-type": "application/xml", "x-amz-request-id": "s3-req-1" },
          }),
      ),
    );
    const err = await rejection(
      createClient({ baseUrl, fetch: stub.fetch }).uploadAttachment({ connectionToken, attachmentName: "a", contentType: "text/plain", body: bytes, clientToken: "up-9" }),
    );
    assert.ok(err instanceof StorageError);
    assert.equal(err.status, 403);
    assert.equal(err.code, "SignatureDoesNotMatch");
    assert.equal(err.requestId, "s3-req-1");
    assert.equal(err.operation, "UploadAttachment");
    assert.equal(err.clientToken, "up-9", "the flow's ClientToken, to upload again safely");
    assertClean(err, connectionToken, signature, uploadUrl);
    assert.equal(stub.sent.length, 2, "CompleteAttachmentUpload is not called");
  });

  test("a service error of StartAttachmentUpload ends the upload", async () => {
    const stub = stubFetch(() => json(402, { Message: "too many attachments" }, { "X-Amzn-ErrorType": "ServiceQuotaExceededException" }));
    const err = await rejection(createClient({ baseUrl, fetch: stub.fetch }).uploadAttachment({ connectionToken, attachmentName: "a", contentType: "text/plain", body: bytes }));
    assert.ok(err instanceof ServiceQuotaExceededException);
    assert.equal(stub.sent.length, 1);
  });

  test("a start answer without an upload URL is an InvalidResponse, and nothing is PUT", async () => {
    const stub = stubFetch(() => json(200, { AttachmentId: "a-1" }));
    const err = await rejection(createClient({ baseUrl, fetch: stub.fetch }).uploadAttachment({ connectionToken, attachmentName: "a", contentType: "text/plain", body: bytes }));
    assert.ok(err instanceof ServiceError);
    assert.equal(err.code, "InvalidResponse");
    assert.equal(stub.sent.length, 1);
  });

  test("a failed PUT whose error quotes the URL is cleaned of its query", async () => {
    const stub = stubFetch(
      router({ "POST /participant/start-attachment-upload": started }, (req) => {
        throw new TypeError(`fetch failed: ${req.url}`, { cause: new Error(`ECONNRESET ${req.url}`) });
      }),
    );
    const err = await rejection(createClient({ baseUrl, fetch: stub.fetch }).uploadAttachment({ connectionToken, attachmentName: "a", contentType: "text/plain", body: bytes }));
    assert.ok(err instanceof TypeError);
    assertClean(err, signature, connectionToken);
    assert.match(clientTokenOf(err) ?? "", /^[0-9a-f-]{36}$/, "the flow's (generated) ClientToken");
  });
});

describe("downloadAttachment", () => {
  const content = new TextEncoder().encode("hello");

  function download(size: number, storage: Handler) {
    const stub = stubFetch(
      router({ "POST /participant/attachment": () => json(200, { Url: downloadUrl, UrlExpiry: "2019-11-08T02:43:28.172Z", AttachmentSizeInBytes: size }) }, storage),
    );
    const client = createClient({ baseUrl, fetch: stub.fetch });
    return { stub, result: client.downloadAttachment({ connectionToken, attachmentId: "a-1", urlExpiryInSeconds: 60 }) };
  }

  test("GETs the URL without the bearer token and returns exactly the announced bytes", async () => {
    const { stub, result } = download(content.byteLength, () => new Response(content, { status: 200 }));
    const got = await result;
    assert.ok(got instanceof Uint8Array);
    assert.deepEqual(got, content);
    const [get, fetchBytes] = stub.sent;
    assert.deepEqual(bodyOf(get), { AttachmentId: "a-1", UrlExpiryInSeconds: 60 });
    assert.equal(fetchBytes?.method, "GET");
    assert.equal(fetchBytes?.url, downloadUrl);
    assert.deepEqual(headerNames(fetchBytes!.headers), [], "no header at all, the bearer token least of all");
    assert.equal(fetchBytes?.redirect, "manual");
  });

  test("more bytes than announced is an AttachmentSizeError", async () => {
    const { result } = download(4, () => new Response(content, { status: 200 }));
    const err = await rejection(result);
    assert.ok(err instanceof AttachmentSizeError);
    assert.equal(err.expected, 4);
    assert.ok(err.received > 4);
  });

  test("fewer bytes than announced is an AttachmentSizeError", async () => {
    const { result } = download(6, () => new Response(content, { status: 200 }));
    const err = await rejection(result);
    assert.ok(err instanceof AttachmentSizeError);
    assert.equal(err.expected, 6);
    assert.equal(err.received, 5);
  });

  test("an endless body is cut off just past the announced size", async () => {
    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024));
      },
      cancel() {
        cancelled = true;
      },
    });
    const { result } = download(4096, () => new Response(endless, { status: 200 }));
    const err = await rejection(result);
    assert.ok(err instanceof AttachmentSizeError);
    assert.ok(cancelled, "the body is cancelled");
    assert.ok(pulled < 16, `read ${pulled} chunks`);
  });

  test("a refusal of the storage host is a StorageError without the URL's query", async () => {
    const { result } = download(5, () => new Response("<Error><Code>AccessDenied</Code></Error>", { status: 403, headers: { "x-amz-request-id": "s3" } }));
    const err = await rejection(result);
    assert.ok(err instanceof StorageError);
    assert.equal(err.code, "AccessDenied");
    assert.equal(err.operation, "DownloadAttachment");
    assertClean(err, signature, downloadUrl, connectionToken);
  });

  test("a service error of GetAttachment ends the download", async () => {
    const stub = stubFetch(() => json(429, { Message: "slow down" }, { "X-Amzn-ErrorType": "ThrottlingException" }));
    const err = await rejection(createClient({ baseUrl, fetch: stub.fetch }).downloadAttachment({ connectionToken, attachmentId: "a" }));
    assert.ok(err instanceof ThrottlingException);
    assert.equal(stub.sent.length, 1);
  });

  test("an answer without a URL is an InvalidResponse", async () => {
    const stub = stubFetch(() => json(200, { AttachmentSizeInBytes: 5 }));
    const err = await rejection(createClient({ baseUrl, fetch: stub.fetch }).downloadAttachment({ connectionToken, attachmentId: "a" }));
    assert.ok(err instanceof ServiceError);
    assert.equal(err.code, "InvalidResponse");
    assert.equal(stub.sent.length, 1);
  });
});

describe("transcriptItems", () => {
  const item = (id: string) => ({ Id: id, Type: "MESSAGE", Content: `content ${id}` });

  function pages(...answers: Array<Record<string, unknown> | number>): ReturnType<typeof stubFetch> {
    return stubFetch((_req, i) => {
      const a = answers[i];
      if (a === undefined) return assert.fail(`page ${i + 1} was not expected`);
      return typeof a === "number" ? json(a, { Message: "no" }, { "X-Amzn-ErrorType": "ThrottlingException" }) : json(200, a);
    });
  }

  async function collect(it: AsyncIterable<TranscriptItem>): Promise<string[]> {
    const ids: string[] = [];
    for await (const i of it) ids.push(i.id ?? "?");
    return ids;
  }

  test("walks every page until one has no NextToken, passing each page's token and the rest of the input", async () => {
    const stub = pages(
      { Transcript: [item("a"), item("b")], NextToken: "t1" },
      { Transcript: [item("c")], NextToken: "t2" },
      { Transcript: [], NextToken: "t3" },
      { Transcript: [item("d")] },
    );
    const client = createClient({ baseUrl, fetch: stub.fetch });
    const ids = await collect(client.transcriptItems({ connectionToken, maxResults: 2, sortOrder: "ASCENDING" }));
    assert.deepEqual(ids, ["a", "b", "c", "d"]);
    assert.deepEqual(
      stub.sent.map((r) => bodyOf(r)),
      [
        { MaxResults: 2, SortOrder: "ASCENDING" },
        { MaxResults: 2, SortOrder: "ASCENDING", NextToken: "t1" },
        { MaxResults: 2, SortOrder: "ASCENDING", NextToken: "t2" },
        { MaxResults: 2, SortOrder: "ASCENDING", NextToken: "t3" },
      ],
    );
    assert.ok(stub.sent.every((r) => r.headers.get("x-amz-bearer") === connectionToken));
  });

  test("stops when a page repeats the token it was given", async () => {
    const stub = pages({ Transcript: [item("a")], NextToken: "t1" }, { Transcript: [item("b")], NextToken: "t1" });
    const ids = await collect(createClient({ baseUrl, fetch: stub.fetch }).transcriptItems({ connectionToken }));
    assert.deepEqual(ids, ["a", "b"]);
    assert.equal(stub.sent.length, 2);
  });

  test("starts at the caller's NextToken, and stops at once when the first page repeats it", async () => {
    const stub = pages({ Transcript: [item("x")], NextToken: "t0" });
    const ids = await collect(createClient({ baseUrl, fetch: stub.fetch }).transcriptItems({ connectionToken, nextToken: "t0" }));
    assert.deepEqual(ids, ["x"]);
    assert.equal(bodyOf(stub.sent[0]).NextToken, "t0");
  });

  test("an empty NextToken ends the walk", async () => {
    const stub = pages({ Transcript: [item("a")], NextToken: "" });
    assert.deepEqual(await collect(createClient({ baseUrl, fetch: stub.fetch }).transcriptItems({ connectionToken })), ["a"]);
    assert.equal(stub.sent.length, 1);
  });

  test("an error rejects the walk after the items already yielded", async () => {
    const stub = pages({ Transcript: [item("a")], NextToken: "t1" }, 429);
    const seen: string[] = [];
    const err = await rejection(
      (async () => {
        for await (const i of createClient({ baseUrl, fetch: stub.fetch }).transcriptItems({ connectionToken })) seen.push(i.id ?? "?");
      })(),
    );
    assert.ok(err instanceof ThrottlingException);
    assert.deepEqual(seen, ["a"]);
  });

  test("breaking out of the loop sends no further request", async () => {
    const stub = pages({ Transcript: [item("a"), item("b")], NextToken: "t1" });
    for await (const i of createClient({ baseUrl, fetch: stub.fetch }).transcriptItems({ connectionToken })) {
      assert.equal(i.id, "a");
      break;
    }
    assert.equal(stub.sent.length, 1);
  });

  test("items come in camelCase, as getTranscript gives them", async () => {
    const stub = pages({ Transcript: [{ Id: "a", ParticipantRole: "AGENT", MessageMetadata: { MessageProcessingStatus: "PROCESSING" } }] });
    const items: TranscriptItem[] = [];
    for await (const i of createClient({ baseUrl, fetch: stub.fetch }).transcriptItems({ connectionToken })) items.push(i);
    assert.deepEqual(items, [{ id: "a", participantRole: "AGENT", messageMetadata: { messageProcessingStatus: "PROCESSING" } }]);
  });
});
