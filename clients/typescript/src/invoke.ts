/**
 * The one call path of every operation, like the Go client's `invoke`: an operation is its entry
 * in the generated table (`src/generated/operations.ts`) and its {@link Input} / {@link Output}
 * types. From the entry alone, `invoke` fills in the idempotency token, puts each input member
 * where the table says (the bearer header, a percent-encoded path label, or the JSON body under
 * its wire name), sends the request through openapi-fetch, and decodes the answer or turns it
 * into a typed error cleaned of every secret the call holds.
 *
 * It checks nothing the service checks and never retries.
 */
import createFetchClient from "openapi-fetch";

import { errorFromResponse, INVALID_RESPONSE, ServiceError } from "./errors.js";
import {
  bearerHeader,
  operations,
  requestIdHeader,
  type Member,
  type Operation,
  type OperationName,
} from "./generated/operations.js";
import type { paths } from "./generated/participant.js";
import { Secrets } from "./redact.js";
import { camelName, escapeLabel, isRecord, outputFromWire, toWire, type Input, type Output } from "./shapes.js";

type Operations = typeof operations;

// ---- The table and the openapi-typescript types describe the same contract. ----
// Both are generated from api/participant.yaml by different generators; these types fail to
// compile when they disagree on an operation's route, headers, path labels, body or answer members.

type RouteOf<N extends OperationName> = paths[Operations[N]["path"]][Lowercase<Operations[N]["method"]>];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type KeysOf<T> = [T] extends [never] ? never : keyof T & string;
type SpecBody<R> = R extends { requestBody?: infer B } ? (NonNullable<B> extends { content: { "application/json": infer J } } ? J : never) : never;
type SpecResult<R> = R extends { responses: { 200: { content: { "application/json": infer J } } } } ? J : never;
type SpecParams<R, Where extends string> = R extends { parameters: { [K in Where]?: infer P } } ? NonNullable<P> : never;
type TableNames<M, Where> = M extends { readonly name: infer N extends string; readonly in: Where } ? N : never;
type TableLabels<M, Where> = M extends { readonly header: infer H extends string; readonly in: Where } ? H : never;
type NamesOf<M> = M extends { readonly name: infer K extends string } ? K : never;
type OutputNames<N extends OperationName> = NamesOf<Operations[N]["output"][number]>;
type Agrees<N extends OperationName> = [
  Same<KeysOf<SpecParams<RouteOf<N>, "header">>, TableLabels<Operations[N]["input"][number], "Header">>,
  Same<KeysOf<SpecParams<RouteOf<N>, "path">>, TableLabels<Operations[N]["input"][number], "Path">>,
  Same<KeysOf<SpecBody<RouteOf<N>>>, TableNames<Operations[N]["input"][number], "Body">>,
  Same<KeysOf<SpecResult<RouteOf<N>>>, OutputNames<N>>,
];
type AllAgree<T extends { [N in OperationName]: [true, true, true, true] }> = T;
/** Compiles only while every operation's route, headers, path labels, body and answer members agree in both generated files. */
type ContractAgrees = AllAgree<{ [N in OperationName]: Agrees<N> }>;

// ---- The call path. ----

/** How the client reaches the service. */
export interface InvokeOptions {
  baseUrl: string;
  fetch: (request: Request) => Promise<Response>;
  idempotencyTokenProvider: () => string;
}

/** What a call sends: the request's parts and the secrets it holds. */
interface Prepared {
  header: Record<string, string>;
  labels: Record<string, string>;
  body: Record<string, unknown> | undefined;
  clientToken: string | undefined;
  secrets: Secrets;
}

/** Whether a member holds a secret: the bearer token, a value marked sensitive. */
function isSecret(m: Member): boolean {
  return m.sensitive === true || (m.in === "Header" && m.header === bearerHeader);
}

/**
 * Reads the camelCase input of op into the request's parts, by the table: each member's value is
 * `input[camelName(member.name)]`; the idempotency token is filled in when absent or empty.
 * Besides the secrets, every other token-named value (`NextToken`, `ViewToken`) long enough to
 * tell apart is redacted from errors too; the idempotency token is not (errors carry it).
 */
function prepare(op: Operation, input: Record<string, unknown>, newToken: () => string): Prepared {
  const p: Prepared = { header: {}, labels: {}, body: op.hasBody ? {} : undefined, clientToken: undefined, secrets: new Secrets() };
  for (const m of op.input) {
    if (m.name === undefined) continue;
    let value = input[camelName(m.name)];
    if (m.idempotencyToken) {
      if (value === undefined || value === "") value = newToken();
      p.clientToken = String(value);
    }
    if (isSecret(m)) p.secrets.add(value, true);
    // The idempotency token is no secret: errors carry it so that the caller can retry safely.
    else if (m.name.endsWith("Token") && !m.idempotencyToken) p.secrets.add(value, false);
    if (value === undefined) {
      // A path label is always filled in: an absent one leaves an empty segment, which the service refuses.
      if (m.in === "Path" && m.header !== undefined) p.labels[m.header] = "";
      continue;
    }
    switch (m.in) {
      case "Header":
        if (m.header !== undefined) p.header[m.header] = String(value);
        break;
      case "Path":
        if (m.header !== undefined) p.labels[m.header] = String(value);
        break;
      case "Body":
        if (p.body) p.body[m.name] = toWire(m, value);
        break;
    }
  }
  return p;
}

/** Fills each `{Label}` of a path with its percent-encoded value (restJson1 path labels). */
function fillLabels(path: string, labels: Record<string, unknown>): string {
  return path.replace(/\{([^{}]+)\}/g, (placeholder, name: string) =>
    Object.hasOwn(labels, name) ? escapeLabel(String(labels[name])) : placeholder,
  );
}

/**
 * Adds the ClientToken sent to fetch's own error (a broken connection, a DNS failure, ...), as the
 * property `clientToken`, so that the caller can send the request again safely: it may have reached
 * the service. Left as it is: an error without a token to add, anything but an Error, and the
 * reason of the caller's own abort signal (the caller's object, maybe shared by several calls).
 */
export function withClientToken(err: unknown, clientToken: string | undefined, signal: unknown): unknown {
  if (clientToken === undefined || !(err instanceof Error)) return err;
  if (signal instanceof AbortSignal && signal.aborted && err === signal.reason) return err;
  if (!Object.isExtensible(err)) return err;
  try {
    Object.defineProperty(err, "clientToken", { value: clientToken, enumerable: true, configurable: true, writable: false });
  } catch {
    // A property the error defines itself: it stays as it is.
  }
  return err;
}

/** Parses a success body; undefined unless it is a JSON object. */
function parseObject(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isRecord(parsed) ? parsed : undefined;
}

/** The one function every operation is called through. */
export type Invoke = <N extends OperationName>(name: N, input: Input<N>) => Promise<Output<N>>;

/**
 * openapi-fetch's `request`, seen with the method and path as plain strings: the generic path
 * picks them from the table at run time ({@link ContractAgrees} holds the table to `paths`).
 */
type Request_ = (
  method: string,
  path: string,
  init: Record<string, unknown>,
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

/** Creates the call path for a client. */
export function createInvoke(options: InvokeOptions): Invoke {
  const http = createFetchClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch, pathSerializer: fillLabels });
  const request = http.request as unknown as Request_;

  return async function invoke<N extends OperationName>(name: N, input: Input<N>): Promise<Output<N>> {
    const op: Operation = operations[name];
    const given = input as Record<string, unknown>;
    const p = prepare(op, given, options.idempotencyTokenProvider);
    const signal = given["signal"];

    let result: Awaited<ReturnType<Request_>>;
    try {
      result = await request(op.method.toLowerCase(), op.path, {
        params: { header: p.header, path: p.labels },
        ...(p.body ? { body: p.body } : {}),
        parseAs: "text",
        // A redirect would carry the token to another host: the answer is returned as it is.
        redirect: "manual",
        ...(signal instanceof AbortSignal ? { signal } : {}),
      });
    } catch (err) {
      throw withClientToken(p.secrets.scrub(err), p.clientToken, signal);
    }
    const { data, error, response } = result;
    if (!response.ok) {
      throw errorFromResponse(response.status, response.statusText, response.headers, error, {
        operation: op.name,
        secrets: p.secrets,
        clientToken: p.clientToken,
      });
    }
    const requestId = p.secrets.redact(response.headers.get(requestIdHeader) ?? undefined);
    let out: Record<string, unknown> = {};
    if (op.output.length > 0) {
      const body = parseObject(data);
      if (!body) {
        throw new ServiceError({
          status: response.status,
          code: INVALID_RESPONSE,
          message: `HTTP ${response.status} from ${op.name} without a JSON object in its body; check that baseUrl points at the Participant Service`,
          requestId,
          operation: op.name,
          clientToken: p.clientToken,
        });
      }
      out = outputFromWire(op.output, body);
    }
    out["requestId"] = requestId;
    if (p.clientToken !== undefined) out["clientToken"] = p.clientToken;
    return out as Output<N>;
  };
}
