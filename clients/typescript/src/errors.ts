/**
 * Typed errors of the Participant Service and their restJson1 resolution.
 *
 * Every answer the service sends with a non-2xx status becomes a {@link ServiceError}; the seven
 * errors the service models are subclasses of it, so callers branch with `instanceof`:
 *
 * ```ts
 * try { await client.sendMessage(input); }
 * catch (err) { if (err instanceof ThrottlingException) { ... } }
 * ```
 *
 * No error ever carries the connection token: only the status, the error code, the service's
 * message and the request ID are kept.
 */

/** Where the fault lies, as the service model classifies its errors. */
export type ErrorFault = "client" | "server";

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
}

/**
 * An error answer from the service. The seven modelled errors are subclasses; an error code the
 * client does not know, or an answer without one (an HTML page from a proxy, say), is a plain
 * ServiceError whose `code` is the code sent, or `UnknownError`.
 */
export class ServiceError extends Error {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The error code, e.g. `ThrottlingException`; `UnknownError` when the answer named none. */
  readonly code: string;
  /** The `x-amzn-RequestId` of the answer, to quote to AWS support; undefined when absent. */
  readonly requestId: string | undefined;

  /** Builds an error from the fields of an answer. */
  constructor(init: ServiceErrorInit) {
    super(init.message);
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
  }

  /** Whether the caller (`client`) or the service (`server`) is at fault: 5xx is the service's. */
  get fault(): ErrorFault {
    return this.status >= 500 ? "server" : "client";
  }

  /** The fields that identify the error, for logs: never a token. */
  toJSON(): ServiceErrorInit & { name: string } {
    return { name: this.name, status: this.status, code: this.code, message: this.message, requestId: this.requestId };
  }
}

/** 403: the connection token is unknown or expired, or the chat has ended. Get a new connection token. */
export class AccessDeniedException extends ServiceError {}

/** 409: the request conflicts with the current state of a resource of the chat. */
export class ConflictException extends ServiceError {}

/** 500: the service failed to handle the request. Retrying later with the same ClientToken may succeed. */
export class InternalServerException extends ServiceError {}

/** 404: a resource the request names does not exist. */
export class ResourceNotFoundException extends ServiceError {}

/** 402: the request would go over a service quota. */
export class ServiceQuotaExceededException extends ServiceError {}

/** 429: too many requests in too short a time. Retry after a pause with the same ClientToken. */
export class ThrottlingException extends ServiceError {}

/** 400: the request broke a constraint of the service. Fix the input before sending it again. */
export class ValidationException extends ServiceError {}

/** The error code used when an answer names no error and its status implies none. */
export const UNKNOWN_ERROR = "UnknownError";

/** The class of each modelled error, by error code. A Map, so that a code such as `constructor` finds nothing. */
const modelled = new Map<string, new (init: ServiceErrorInit) => ServiceError>([
  ["AccessDeniedException", AccessDeniedException],
  ["ConflictException", ConflictException],
  ["InternalServerException", InternalServerException],
  ["ResourceNotFoundException", ResourceNotFoundException],
  ["ServiceQuotaExceededException", ServiceQuotaExceededException],
  ["ThrottlingException", ThrottlingException],
  ["ValidationException", ValidationException],
]);

/** Error codes implied by a status when the answer names no error type (as the AWS SDKs do). */
const codeByStatus: Record<number, string> = {
  429: "ThrottlingException",
  500: "InternalServerException",
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value of the first key of body equal to name ignoring case, if it is a non-empty string. */
function stringField(body: unknown, name: string): string | undefined {
  if (!isRecord(body)) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(body)) {
    if (k.toLowerCase() === lower && typeof v === "string" && v !== "") return v;
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
 * then the body's `code`, then its `__type` (keys matched ignoring case), each sanitized with
 * {@link sanitizeErrorCode}. Without any, status 429 means `ThrottlingException` and 500
 * `InternalServerException`; anything else is {@link UNKNOWN_ERROR}.
 */
export function resolveErrorCode(status: number, headers: Headers, body: unknown): string {
  for (const raw of [headers.get("x-amzn-errortype"), stringField(body, "code"), stringField(body, "__type")]) {
    if (raw) {
      const code = sanitizeErrorCode(raw);
      if (code !== "") return code;
    }
  }
  return codeByStatus[status] ?? UNKNOWN_ERROR;
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

/**
 * Turns an error answer into a typed error. `body` is the parsed JSON body, the raw text when it
 * is not JSON, or undefined when empty. The message is the body's `Message` (or `message`); when
 * there is none, it describes the answer by its status, so an HTML page from a proxy still says
 * `HTTP 502 Bad Gateway`.
 */
export function errorFromResponse(status: number, statusText: string, headers: Headers, body: unknown): ServiceError {
  const code = resolveErrorCode(status, headers, body);
  const serviceMessage = isRecord(body)
    ? [body["Message"], body["message"]].find((m): m is string => typeof m === "string" && m !== "")
    : undefined;
  const init: ServiceErrorInit = {
    status,
    code,
    message: serviceMessage ?? describeAnswer(status, statusText, headers, body),
    requestId: headers.get("x-amzn-requestid") ?? undefined,
  };
  const Ctor = modelled.get(code) ?? ServiceError;
  return new Ctor(init);
}
