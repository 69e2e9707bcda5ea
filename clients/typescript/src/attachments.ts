/**
 * The transfers of attachment bytes to and from the pre-signed URLs that StartAttachmentUpload
 * and GetAttachment return. They go to a storage host, not to the service: they carry exactly the
 * headers the service named and never the bearer token, and nothing they report holds the URL's
 * query (a credential) or a token.
 */
import { AttachmentSizeError, StorageError, UNKNOWN_ERROR } from "./errors.js";
import { withClientToken } from "./invoke.js";
import type { Secrets } from "./redact.js";

/** The bytes of an attachment to upload. */
export type AttachmentBody = Blob | Uint8Array | ArrayBuffer;

/** The most bytes of a storage host's error answer that are read, to find its error code. */
const maxErrorBody = 64 << 10;

/** The bytes of body, read once; their byteLength is the attachment's size. */
export async function bodyBytes(body: AttachmentBody): Promise<Uint8Array<ArrayBuffer>> {
  if (body instanceof Uint8Array) return new Uint8Array(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  return new Uint8Array(await body.arrayBuffer());
}

/** One transfer. */
export interface Transfer {
  /** The flow it is part of, for errors: `UploadAttachment` or `DownloadAttachment`. */
  operation: string;
  method: "PUT" | "GET";
  url: string;
  /** Exactly the headers to send (HeadersToInclude), or none. */
  headers?: Record<string, string> | undefined;
  body?: Uint8Array<ArrayBuffer> | undefined;
  signal?: AbortSignal | undefined;
  /** The secrets of the flow: the bearer token, the URL and its query. */
  secrets: Secrets;
  /** The flow's ClientToken, for its errors (uploads only): sending the flow again with it is safe. */
  clientToken?: string | undefined;
}

/**
 * Sends one transfer with fetch and returns the storage host's 2xx answer. A refusal is a
 * {@link StorageError}; a failure to send is fetch's error, cleaned of the URL's query and the
 * token. Redirects are not followed, as for every call of the client.
 */
export async function transfer(fetch: (request: Request) => Promise<Response>, t: Transfer): Promise<Response> {
  let response: Response;
  try {
    const request = new Request(t.url, {
      method: t.method,
      headers: new Headers(Object.entries(t.headers ?? {})),
      redirect: "manual",
      ...(t.body ? { body: t.body } : {}),
      ...(t.signal ? { signal: t.signal } : {}),
    });
    response = await fetch(request);
  } catch (err) {
    throw withClientToken(t.secrets.scrub(err), t.clientToken, t.signal);
  }
  if (response.status < 200 || response.status > 299) throw await storageError(response, t);
  return response;
}

/**
 * Reads a body up to one chunk past limit bytes, then stops reading. `bytes` holds what was read:
 * more than limit bytes means the body is larger than limit.
 */
async function readAtMost(response: Response, limit: number, secrets: Secrets): Promise<Uint8Array<ArrayBuffer>> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n <= limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.byteLength;
    }
    if (n > limit) await reader.cancel().catch(() => undefined);
  } catch (err) {
    throw secrets.scrub(err);
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

/**
 * Reads a download of exactly `size` bytes, as GetAttachment announced: more, or fewer, is an
 * {@link AttachmentSizeError} (the download is stopped one chunk past `size`).
 */
export async function readExactly(response: Response, size: number, secrets: Secrets): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = await readAtMost(response, size, secrets);
  if (bytes.byteLength !== size) throw new AttachmentSizeError(size, bytes.byteLength);
  return bytes;
}

/**
 * Describes a refusal of the storage host, which answers in its own XML form, not the service's:
 * the status and the host's `<Code>`, never its body or the URL.
 */
async function storageError(response: Response, t: Transfer): Promise<StorageError> {
  let code = UNKNOWN_ERROR;
  try {
    const text = new TextDecoder().decode(await readAtMost(response, maxErrorBody, t.secrets));
    code = /<Code>([^<]{1,128})<\/Code>/.exec(text)?.[1]?.trim() || UNKNOWN_ERROR;
  } catch {
    // The body broke off: the status says enough.
  }
  const what = t.method === "PUT" ? "upload" : "download";
  return new StorageError({
    status: response.status,
    code: t.secrets.redact(code),
    message: `the storage host refused the ${what} of the attachment (HTTP ${response.status}${response.statusText ? " " + response.statusText : ""})`,
    requestId: t.secrets.redact(response.headers.get("x-amz-request-id") ?? undefined),
    operation: t.operation,
    clientToken: t.clientToken,
  });
}
