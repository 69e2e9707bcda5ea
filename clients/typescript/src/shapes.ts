/**
 * The camelCase shapes of every operation's input and output, derived from the generated
 * operation table (`src/generated/operations.ts`), at the type level and at run time.
 *
 * One rule maps the two: a camelCase name is the wire name with its first letter lower-cased
 * (`ClientToken` ↔ `clientToken`, `UrlExpiryInSeconds` ↔ `urlExpiryInSeconds`,
 * `WebRTCConnection` ↔ `webRTCConnection`). The table gives the wire names, the kinds and the
 * nesting, so no operation has code or a type of its own here.
 */
import { operations, type enums, type Member, type OperationName } from "./generated/operations.js";

/** A value of one of the contract's enumerations; they are open, so other strings may arrive. */
export type EnumValue<K extends keyof typeof enums> = (typeof enums)[K][number] | (string & {});

type Operations = typeof operations;

/** Flattens an intersection into one object type, for readable hovers and declarations. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The camelCase form of a wire name: its first letter lower-cased. */
export function camelName(wireName: string): string {
  return wireName.charAt(0).toLowerCase() + wireName.slice(1);
}

type NameOf<M> = M extends { readonly name: infer N extends string } ? Uncapitalize<N> : never;
type Enumerated<M> = M extends { readonly enum: readonly (infer E)[] } ? E : never;
type Known<M> = M extends { readonly knownValues: readonly (infer E)[] } ? E : never;

/**
 * The TypeScript type of a member of the table. A string with an enumeration or known values is
 * the union of them, left open (`| (string & {})`): the service may send, and accepts, others.
 */
export type ValueOf<M> = M extends { readonly kind: "String" }
  ? [Enumerated<M> | Known<M>] extends [never]
    ? string
    : Enumerated<M> | Known<M> | (string & {})
  : M extends { readonly kind: "Integer" }
    ? number
    : M extends { readonly kind: "Boolean" }
      ? boolean
      : M extends { readonly kind: "Array"; readonly items: infer I }
        ? ValueOf<I>[]
        : M extends { readonly kind: "Map"; readonly values: infer V }
          ? Record<string, ValueOf<V>>
          : M extends { readonly kind: "Object"; readonly properties: readonly (infer P)[] }
            ? StructOf<P>
            : unknown;

/** An object of the table (the members P) in camelCase; members not marked required are optional. */
export type StructOf<P> = Simplify<
  { [M in P as M extends { readonly required: true } ? NameOf<M> : never]: ValueOf<M> } & {
    [M in P as M extends { readonly required: true } ? never : NameOf<M>]?: ValueOf<M>;
  }
>;

type InputMember<N extends OperationName> = Operations[N]["input"][number];
type OutputMember<N extends OperationName> = Operations[N]["output"][number];

/** Whether the caller must set an input member: required, unless the client fills it in. */
type CallerRequired<M> = M extends { readonly required: true } ? (M extends { readonly idempotencyToken: true } ? false : true) : false;

/** Whether an operation has an idempotency token. */
export type HasIdempotencyToken<N extends OperationName> = [Extract<InputMember<N>, { readonly idempotencyToken: true }>] extends [never]
  ? false
  : true;

/**
 * The input of operation N: the token (`participantToken` or `connectionToken`) and every member
 * of the model in camelCase, required ones required (the idempotency token never: the client fills
 * it in), plus an optional abort `signal`.
 */
export type Input<N extends OperationName> = Simplify<
  { [M in InputMember<N> as CallerRequired<M> extends true ? NameOf<M> : never]: ValueOf<M> } & {
    [M in InputMember<N> as CallerRequired<M> extends true ? never : NameOf<M>]?: ValueOf<M> | undefined;
  } & {
    /** Aborts the request when signalled. */
    signal?: AbortSignal | undefined;
  }
>;

/** Top-level output members that are always present, with their zero value when the answer has none. */
type Zeroed<M> = M extends { readonly kind: "String" | "Integer" | "Boolean" | "Array" | "Map" } ? true : false;

/**
 * The output of operation N: every member of the model's answer in camelCase, `requestId`, and for
 * an operation with an idempotency token the `clientToken` sent. As in the Go client, a top-level
 * string, number, boolean, list or map the answer leaves out is its zero value (`""`, `0`,
 * `false`, `[]`, `{}`); an object it leaves out is absent, as are the members of an object.
 */
export type Output<N extends OperationName> = Simplify<
  { [M in OutputMember<N> as Zeroed<M> extends true ? NameOf<M> : never]: ValueOf<M> } & {
    [M in OutputMember<N> as Zeroed<M> extends true ? never : NameOf<M>]?: ValueOf<M>;
  } & {
    /** The `x-amzn-RequestId` of the answer, to quote to AWS support; undefined when absent. */
    requestId: string | undefined;
  } & (HasIdempotencyToken<N> extends true
      ? {
          /** The idempotency token sent: the caller's, or the one filled in. Send it again to retry safely. */
          clientToken: string;
        }
      : unknown)
>;

/** The values the contract documents (`x-known-values`) for input member K of operation N. */
export type KnownValuesOf<N extends OperationName, K extends string> = Known<Extract<InputMember<N>, { readonly name: K }>>;

/**
 * Percent-encodes every byte of s's UTF-8 outside RFC 3986's unreserved characters (ALPHA,
 * DIGIT, `-`, `.`, `_`, `~`), as restJson1 requires of a path label: `a/b c+d` → `a%2Fb%20c%2Bd`.
 */
export function escapeLabel(s: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Whether v is a plain object (a JSON object), not null or an array. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Encodes a camelCase value as the wire form of member m: objects get the wire names of their
 * members (undefined ones are left out), lists and maps are encoded item by item. A value of
 * another shape than the table says is passed through as it is: the service judges it.
 */
export function toWire(m: Member, value: unknown): unknown {
  switch (m.kind) {
    case "Object":
      return m.properties && isRecord(value) ? structToWire(m.properties, value) : value;
    case "Array":
      return m.items && Array.isArray(value) ? value.map((v) => toWire(m.items!, v)) : value;
    case "Map":
      return m.values && isRecord(value) ? mapValues(value, (v) => toWire(m.values!, v)) : value;
    default:
      return value;
  }
}

/** Encodes the camelCase object value as the JSON object of members. */
function structToWire(members: readonly Member[], value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of members) {
    if (m.name === undefined) continue;
    const v = value[camelName(m.name)];
    if (v !== undefined) out[m.name] = toWire(m, v);
  }
  return out;
}

/**
 * Decodes the wire value of member m into camelCase: objects keep the members the table names
 * (an unknown member of a newer service is left out, as the Go client does), lists and maps are
 * decoded item by item, anything else is passed through.
 */
function fromWire(m: Member, value: unknown): unknown {
  switch (m.kind) {
    case "Object":
      return m.properties && isRecord(value) ? structFromWire(m.properties, value) : value;
    case "Array":
      return m.items && Array.isArray(value) ? value.map((v) => fromWire(m.items!, v)) : value;
    case "Map":
      return m.values && isRecord(value) ? mapValues(value, (v) => fromWire(m.values!, v)) : value;
    default:
      return value;
  }
}

function structFromWire(members: readonly Member[], value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of members) {
    if (m.name === undefined || !Object.hasOwn(value, m.name)) continue;
    const v = value[m.name];
    if (v !== undefined && v !== null) out[camelName(m.name)] = fromWire(m, v);
  }
  return out;
}

/** The zero value of a top-level output member of kind, or undefined for one left absent. */
function zeroValue(m: Member): unknown {
  switch (m.kind) {
    case "String":
      return "";
    case "Integer":
      return 0;
    case "Boolean":
      return false;
    case "Array":
      return [];
    case "Map":
      return {};
    default:
      return undefined;
  }
}

/** Decodes an answer's JSON object into the camelCase output members of an operation. */
export function outputFromWire(members: readonly Member[], body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of members) {
    if (m.name === undefined) continue;
    const v = Object.hasOwn(body, m.name) ? body[m.name] : undefined;
    const decoded = v === undefined || v === null ? zeroValue(m) : fromWire(m, v);
    if (decoded !== undefined) out[camelName(m.name)] = decoded;
  }
  return out;
}

function mapValues(value: Record<string, unknown>, f: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = f(v);
  return out;
}
