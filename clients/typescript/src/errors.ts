/**
 * Typed errors of the Participant Service and their restJson1 resolution.
 *
 * Every answer the service sends with a non-2xx status becomes a {@link ServiceError}; the errors
 * the service models (the generated `errorStatus` table) are subclasses of it, so callers branch
 * with `instanceof`:
 *
 * ```ts
 * try { await client.sendMessage(input); }
 * catch (err) { if (err instanceof ThrottlingException) { ... } }
 * ```
 *
 * No error ever carries a token: only the status, the error code, the service's message, the
 * request ID (and for {@link ResourceNotFoundException} the resource) are kept, each cleaned of
 * every secret the call holds, in case the server echoes one back. The one exception is the
 * idempotency token, which is no secret: an error of an operation that has one carries the
 * `clientToken` that was sent, so the caller can send the same request again safely.
 */
import { errorStatus, errorTypeHeader, requestIdHeader, type ErrorCode } from "./generated/operations.js";
import type { Secrets } from "./redact.js";
import { isRecord, type EnumValue } from "./shapes.js";

/** Where the fault lies, as the service model classifies its errors. */
export type ErrorFault = "client" | "server";

/** The kinds of resource a {@link ResourceNotFoundException} names; the enumeration is open. */
export type ResourceType = EnumValue<"ResourceType">;

/** The fields of every service error. */
export interface ServiceErrorInit {
  /** The HTTP status of the answer. */
  status: number;
  /** The error code, e.g. `ThrottlingException`, resolved as described on {@link resolveErrorCode}. */
  code: string;
  /** What the service said, or a description of the answer when it said nothing usable. */
  message: string;
  /** The `x-amzn-RequestId` of the answer, to quote to AWS support; undefined when absent. */
  requestId: string | undefined;
  /** The operation (or flow) that got the answer, e.g. `SendMessage`; undefined when unknown. */
  operation?: string | undefined;
  /** The idempotency token (ClientToken) the request sent, for the operations that have one. */
  clientToken?: string | undefined;
  /** The identifier of the resource that was not found ({@link ResourceNotFoundException}). */
  resourceId?: string | undefined;
  /** The kind of resource that was not found ({@link ResourceNotFoundException}). */
  resourceType?: ResourceType | undefined;
}

/** What {@link ServiceError.toJSON} returns: the fields that identify the error, never a token. */
export interface ServiceErrorJSON {
  name: string;
  status: number;
  code: string;
  message: string;
  requestId: string | undefined;
  operation: string | undefined;
  /** Present for the operations with an idempotency token: the ClientToken sent (not a secret). */
  clientToken?: string;
}

/**
 * An error answer from the service. The modelled errors are subclasses; an error code the client
 * does not know, or an answer without one (an HTML page from a proxy, say), is a plain
 * ServiceError whose `code` is the code sent, or `UnknownError`.
 *
 * For the five operations with an idempotency token (`sendMessage`, `sendEvent`,
 * `disconnectParticipant`, `startAttachmentUpload`, `completeAttachmentUpload`), `clientToken`
 * is the ClientToken the request sent (the caller's, or the one the client filled in), as in the
 * Go client's `OperationError.ClientToken`. It is no secret and is never redacted: after a
 * throttling error, a 5xx or an unreadable answer, call the operation again with
 * `clientToken: err.clientToken` and the service acts on the request at most once.
 *
 * ```ts
 * try { await client.sendMessage(input); }
 * catch (err) {
 *   if (err instanceof ThrottlingException) await client.sendMessage({ ...input, clientToken: err.clientToken });
 * }
 * ```
 */
export class ServiceError extends Error {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The error code, e.g. `ThrottlingException`; `UnknownError` when the answer named none. */
  readonly code: string;
  /** The `x-amzn-RequestId` of the answer, to quote to AWS support; undefined when absent. */
  readonly requestId: string | undefined;
  /** The operation (or flow) that got the answer, e.g. `SendMessage`; undefined when unknown. */
  readonly operation: string | undefined;
  /**
   * The idempotency token (ClientToken) the request sent, for the operations that have one;
   * undefined for the others. Send it again to retry safely: the service acts at most once.
   */
  readonly clientToken: string | undefined;

  /** Builds an error from the fields of an answer. */
  constructor(init: ServiceErrorInit) {
    super(init.message);
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.operation = init.operation;
    this.clientToken = init.clientToken;
  }

  /** Whether the caller (`client`) or the service (`server`) is at fault: 5xx is the service's. */
  get fault(): ErrorFault {
    return this.status >= 500 ? "server" : "client";
  }

  /** The fields that identify the error, for logs: never a secret (`clientToken`, when set, is none). */
  toJSON(): ServiceErrorJSON {
    return {
      name: this.name,
      status: this.status,
      code: this.code,
      message: this.message,
      requestId: this.requestId,
      operation: this.operation,
      ...(this.clientToken === undefined ? {} : { clientToken: this.clientToken }),
    };
  }
}

/** 403: the token is unknown or expired (or the wrong kind of token), or the chat has ended. */
export class AccessDeniedException extends ServiceError {}

/** 409: the request conflicts with the current state of a resource of the chat. */
export class ConflictException extends ServiceError {}

/** 500: the service failed to handle the request. Retrying later with the same ClientToken may succeed. */
export class InternalServerException extends ServiceError {}

/** 404: a resource the request names does not exist, such as the view of DescribeView. */
export class ResourceNotFoundException extends ServiceError {
  /** The identifier of the resource, when the service says. */
  readonly resourceId: string | undefined;
  /** The kind of resource, when the service says. */
  readonly resourceType: ResourceType | undefined;

  constructor(init: ServiceErrorInit) {
    super(init);
    this.resourceId = init.resourceId;
    this.resourceType = init.resourceType;
  }

  override toJSON(): ServiceErrorJSON & { resourceId: string | undefined; resourceType: ResourceType | undefined } {
    return { ...super.toJSON(), resourceId: this.resourceId, resourceType: this.resourceType };
  }
}

/** 402: the request would go over a service quota, such as the number of attachments of a chat. */
export class ServiceQuotaExceededException extends ServiceError {}

/** 429: too many requests in too short a time. Retry after a pause with the same ClientToken. */
export class ThrottlingException extends ServiceError {}

/** 400: the request broke a constraint of the service. Fix the input before sending it again. */
export class ValidationException extends ServiceError {}

/**
 * The storage host of an attachment refused a transfer (the PUT of {@link
 *  ParticipantClient.uploadAttachment | uploadAttachment} or the GET of `downloadAttachment`). Its `code` is the
 * host's own error code (`<Code>` of its XML answer, e.g. `AccessDenied`), or `UnknownError`;
 * its `requestId` the host's `x-amz-request-id`. It never holds the pre-signed URL.
 */
export class StorageError extends ServiceError {}

/**
 * A download that ended with another number of bytes than GetAttachment announced: `received`
 * more (the download was stopped there) or fewer than `expected`.
 */
export class AttachmentSizeError extends Error {
  /** The size GetAttachment announced, in bytes. */
  readonly expected: number;
  /** The bytes received before the download ended or was stopped. */
  readonly received: number;

  constructor(expected: number, received: number) {
    super(
      received > expected
        ? `the download is larger than the ${expected} bytes GetAttachment announced`
        : `the download ended after ${received} of the ${expected} bytes GetAttachment announced`,
    );
    this.name = new.target.name;
    this.expected = expected;
    this.received = received;
  }
}

/**
 * The ClientToken that a failed call of an operation with an idempotency token sent, or undefined:
 * the `clientToken` of a {@link ServiceError}, or the `clientToken` property the client adds to
 * fetch's own error when the request could not be completed (a broken connection: the service may
 * have acted on it). Call the operation again with it, and the service acts at most once.
 */
export function clientTokenOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const token = (err as { clientToken?: unknown }).clientToken;
  return typeof token === "string" ? token : undefined;
}

/** The error code used when an answer names no error and its status implies none. */
export const UNKNOWN_ERROR = "UnknownError";

/** The error code of a successful answer that lacks what the call needs: no result can be made of it. */
export const INVALID_RESPONSE = "InvalidResponse";

/**
 * The class of each modelled error, by the code of the generated `errorStatus` table: a code
 * added to the contract without a class here fails to compile. A Map, so that a code such as
 * `constructor` finds nothing.
 */
const classes = {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} as const satisfies Record<ErrorCode, new (init: ServiceErrorInit) => ServiceError>;

const modelled = new Map<string, new (init: ServiceErrorInit) => ServiceError>(
  (Object.keys(errorStatus) as ErrorCode[]).map((code) => [code, classes[code]]),
);

/**
 * The errors an answer implies by its status alone when it names none, as the AWS SDKs do:
 * throttling and a failure of the service. Their statuses come from `errorStatus`.
 */
const impliedByStatus = new Map<number, ErrorCode>(
  (["ThrottlingException", "InternalServerException"] as const).map((code) => [errorStatus[code], code]),
);

/**
 * The non-empty string value of the key of body that equals name ignoring case. When the body
 * has several spellings (the service has been seen answering both `Message` and `message`), the
 * model's spelling wins, then the lower-case one, then the others in code-unit order, so the
 * answer never depends on the order of the keys. Values that are not strings are ignored.
 */
function pickField(body: unknown, name: string): string | undefined {
  if (!isRecord(body)) return undefined;
  const lower = name.toLowerCase();
  const rank = (k: string): number => (k === name ? 0 : k === lower ? 1 : 2);
  const keys = Object.keys(body)
    .filter((k) => k.toLowerCase() === lower)
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) {
    const v = body[k];
    if (typeof v === "string" && v !== "") return v;
  }
  return undefined;
}

/**
 * Keeps the bare error name of a restJson1 error type: what comes before the first `:` (the
 * service may append a URI), then what comes after the first `#` (a Smithy namespace).
 * `aws.protocoltests#FooError:http://internal.amazon.com/` gives `FooError`.
 */
export function sanitizeErrorCode(raw: string): string {
  let code = raw.trim();
  const colon = code.indexOf(":");
  if (colon >= 0) code = code.slice(0, colon);
  const hash = code.indexOf("#");
  if (hash >= 0) code = code.slice(hash + 1);
  return code;
}

/**
 * Resolves the error code of an answer the restJson1 way: the `X-Amzn-ErrorType` header first,
 * then the body's `code`, then its `__type` (keys matched ignoring case, see {@link pickField}),
 * each sanitized with {@link sanitizeErrorCode}. Without any, status 429 means
 * `ThrottlingException` and 500 `InternalServerException`; anything else is {@link UNKNOWN_ERROR}.
 */
export function resolveErrorCode(status: number, headers: Headers, body: unknown): string {
  for (const raw of [headers.get(errorTypeHeader), pickField(body, "code"), pickField(body, "__type")]) {
    if (raw) {
      const code = sanitizeErrorCode(raw);
      if (code !== "") return code;
    }
  }
  return impliedByStatus.get(status) ?? UNKNOWN_ERROR;
}

/** Describes an answer whose body holds no message, so that its status is never hidden. */
function describeAnswer(status: number, statusText: string, headers: Headers, body: unknown): string {
  const what = `HTTP ${status}${statusText ? " " + statusText : ""}`;
  if (body === undefined || body === "") return `${what} with an empty body`;
  if (typeof body === "string") {
    const type = headers.get("content-type") ?? "no content type";
    return `${what} with a body that is not JSON (${type}, ${body.length} characters)`;
  }
  return `${what} with no message in its JSON body`;
}

/** What an error answer is resolved with besides the answer itself. */
interface ErrorContext {
  /** The operation that got the answer. */
  operation?: string | undefined;
  /** The secrets the call holds, cut out of everything the error keeps. */
  secrets?: Secrets | undefined;
  /** The ClientToken the request sent, kept on the error as it is (it is no secret). */
  clientToken?: string | undefined;
}

/**
 * Turns an error answer into a typed error. `body` is the parsed JSON body, the raw text when it
 * is not JSON, or undefined when empty. The message is the body's `Message` (see {@link
 * pickField}); when there is none, it describes the answer by its status, so an HTML page from a
 * proxy still says `HTTP 502 Bad Gateway`. Every secret of `context.secrets` is redacted from
 * the code, the message, the request ID and the resource fields; `context.clientToken` is kept.
 */
export function errorFromResponse(
  status: number,
  statusText: string,
  headers: Headers,
  body: unknown,
  context: ErrorContext = {},
): ServiceError {
  const clean = (s: string | undefined): string | undefined => (context.secrets ? context.secrets.redact(s) : s);
  const code = resolveErrorCode(status, headers, body);
  const Ctor = modelled.get(code) ?? ServiceError;
  return new Ctor({
    status,
    code: clean(code) ?? code,
    message: clean(pickField(body, "Message") ?? describeAnswer(status, statusText, headers, body)) ?? "",
    requestId: clean(headers.get(requestIdHeader) ?? undefined),
    operation: context.operation,
    clientToken: context.clientToken,
    resourceId: clean(pickField(body, "ResourceId")),
    resourceType: clean(pickField(body, "ResourceType")),
  });
}
