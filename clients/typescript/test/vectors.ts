// Loads api/testdata/vectors.json and resolves its generators the way ../../vectors_test.go does
// for the Go client: member bounds from the generated operation table (src/generated/operations.ts),
// `limit` from SendMessage Content's lengthByContentType, JSON pointers into api/participant.yaml,
// and the $placeholders the setup made. No limit is written here or in the vectors.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { bearerHeader, operations, type Member, type Operation, type OperationName } from "../src/generated/operations.js";

/** The repository root: the nearest directory above this file that holds go.mod. */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "go.mod"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("no go.mod above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
})();

const packageRoot = join(repoRoot, "clients", "typescript");
const vectorsFile = join(repoRoot, "api", "testdata", "vectors.json");

/** What the fake provides before the call (see the $comment of vectors.json). */
export interface VectorSetup {
  /** The new contact's message content types; generators allowed. */
  supportedContentTypes?: unknown[];
  /** Which token the call carries: issued (the default), unknown, ended or connection. */
  token?: "issued" | "unknown" | "ended" | "connection";
  /** Send a message first: `$messageId`. */
  message?: boolean;
  /** That many more participants join the contact and connect. */
  extraParticipants?: number;
  /** An attachment, `$attachmentId`: uploaded (not completed) or completed. */
  attachment?: "uploaded" | "completed";
  /** Register a view: `$viewToken`. */
  view?: boolean;
  /** Start an authentication: `$sessionId`. */
  authentication?: boolean;
  /** A fault of the control API's Fault schema, queued last. */
  fault?: Record<string, unknown>;
}

/** One entry of vectors.json, as written. */
export interface Vector {
  name: string;
  operation: OperationName;
  setup: VectorSetup;
  /** The operation's members with the model's names, generators unresolved. */
  input: Record<string, unknown>;
  /** `ok` or the error code the service answers. */
  expect: string;
  /** What a client that validates locally returns instead; this client leaves checking to the service. */
  localError: string | undefined;
}

const vectorKeys = new Set(["name", "operation", "setup", "input", "expect", "localError"]);
const setupKeys = new Set(["supportedContentTypes", "token", "message", "extraParticipants", "attachment", "view", "authentication", "fault"]);
const tokens = new Set(["issued", "unknown", "ended", "connection"]);
const attachments = new Set(["uploaded", "completed"]);

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isOperationName(name: unknown): name is OperationName {
  return typeof name === "string" && Object.hasOwn(operations, name);
}

/** The operation's entry of the generated table. */
export function operationOf(name: OperationName): Operation {
  return operations[name];
}

/** An input member of op by its model name. */
export function memberOf(op: Operation, name: string): Member | undefined {
  return op.input.find((m) => m.name === name);
}

/**
 * Reads vectors.json strictly, as the Go runner does (DisallowUnknownFields): a key this runner
 * does not know, a setup it cannot do or an operation the table lacks fails the load, so a change
 * of the format cannot pass unnoticed.
 */
export function loadVectors(): Vector[] {
  const file: unknown = JSON.parse(readFileSync(vectorsFile, "utf8"));
  if (!isRecord(file) || !Array.isArray(file["vectors"])) throw new Error(`${vectorsFile}: no "vectors" list`);
  for (const key of Object.keys(file)) {
    if (key !== "$comment" && key !== "vectors") throw new Error(`${vectorsFile}: unknown key ${JSON.stringify(key)}`);
  }
  return file["vectors"].map((raw: unknown, i: number): Vector => {
    const where = `${vectorsFile}: vector ${i}`;
    if (!isRecord(raw)) throw new Error(`${where} is not an object`);
    for (const key of Object.keys(raw)) if (!vectorKeys.has(key)) throw new Error(`${where}: unknown key ${JSON.stringify(key)}`);
    const { name, operation, expect, localError } = raw;
    const setup = raw["setup"] ?? {};
    const input = raw["input"] ?? {};
    if (typeof name !== "string" || name === "") throw new Error(`${where}: no name`);
    if (!isOperationName(operation)) throw new Error(`${name}: no operation ${JSON.stringify(operation)} in the table`);
    if (typeof expect !== "string" || expect === "") throw new Error(`${name}: no expect`);
    if (localError !== undefined && typeof localError !== "string") throw new Error(`${name}: localError is not a string`);
    if (!isRecord(setup) || !isRecord(input)) throw new Error(`${name}: setup and input must be objects`);
    for (const key of Object.keys(setup)) if (!setupKeys.has(key)) throw new Error(`${name}: unknown setup ${JSON.stringify(key)}`);
    if (setup["token"] !== undefined && !tokens.has(String(setup["token"]))) throw new Error(`${name}: unknown setup token ${JSON.stringify(setup["token"])}`);
    if (setup["attachment"] !== undefined && !attachments.has(String(setup["attachment"]))) {
      throw new Error(`${name}: unknown setup attachment ${JSON.stringify(setup["attachment"])}`);
    }
    const op = operationOf(operation);
    for (const member of Object.keys(input)) if (!memberOf(op, member)) throw new Error(`${name}: ${operation} has no member ${member}`);
    return { name, operation, setup: setup as VectorSetup, input, expect, localError: localError as string | undefined };
  });
}

/** Reads api/participant.yaml as JSON, converted by the pinned Redocly CLI (no YAML parser needed). */
export function loadSpec(): unknown {
  const dir = mkdtempSync(join(tmpdir(), "participant-spec-"));
  try {
    const out = join(dir, "participant.json");
    const run = spawnSync(
      join(packageRoot, "node_modules", ".bin", "redocly"),
      ["bundle", join(repoRoot, "api", "participant.yaml"), "--ext", "json", "--output", out],
      { cwd: packageRoot, encoding: "utf8" },
    );
    if (run.status !== 0) throw new Error(`redocly bundle failed (exit ${run.status}): ${run.stderr}`);
    return JSON.parse(readFileSync(out, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Follows a local JSON pointer (`#/a/b`) through the spec, following a `$ref` met on the way. */
export function pointer(spec: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) throw new Error(`${JSON.stringify(ref)} is not a local JSON pointer`);
  let node: unknown = spec;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (isRecord(node) && !Object.hasOwn(node, key) && typeof node["$ref"] === "string") node = pointer(spec, node["$ref"]);
    if (!isRecord(node) || !Object.hasOwn(node, key)) throw new Error(`${ref}: no ${JSON.stringify(key)} in the spec`);
    node = node[key];
  }
  return node;
}

const countExpr = /^(.*?)(?:([+-])(\d+))?$/;

/** The bounds a count may name, read from the member's entry in the table (lists use min/maxLength). */
const bounds: Record<string, (m: Member) => number | undefined> = {
  maxLength: (m) => m.maxLength,
  minLength: (m) => m.minLength,
  maxItems: (m) => m.maxLength,
  minItems: (m) => m.minLength,
  maximum: (m) => m.maximum,
  minimum: (m) => m.minimum,
};

/** Resolves a vector's generators against the spec and the operation table. */
export class Resolver {
  /** `$messageId`, `$attachmentId`, `$viewToken`, `$sessionId`: what the setup made. */
  readonly placeholders = new Map<string, string>();
  /** The vector's ContentType, for `limit`. */
  contentType = "";

  constructor(readonly spec: unknown) {}

  /** Evaluates a count (a number, or REF, REF+K, REF-K) for member m (undefined: not a member of the table). */
  count(raw: unknown, m: Member | undefined): number {
    if (typeof raw === "number") {
      if (!Number.isInteger(raw)) throw new Error(`count ${raw} is not an integer`);
      return raw;
    }
    if (typeof raw !== "string") throw new Error(`count ${JSON.stringify(raw)} is neither a number nor an expression`);
    const [, ref = "", sign, k] = countExpr.exec(raw) ?? [];
    let base: number | undefined;
    if (ref === "limit") {
      const content = memberOf(operations.SendMessage, "Content");
      base = content?.lengthByContentType?.[this.contentType] ?? content?.maxLength;
    } else if (ref.startsWith("#/")) {
      const node = pointer(this.spec, ref);
      if (typeof node !== "number" || !Number.isInteger(node)) throw new Error(`${ref} is ${JSON.stringify(node)}, want an integer`);
      base = node;
    } else {
      const bound = bounds[ref];
      if (!bound) throw new Error(`unknown bound ${JSON.stringify(ref)} in count ${JSON.stringify(raw)}`);
      if (!m) throw new Error(`count ${JSON.stringify(raw)} names a bound, but the value is not a member of the operation`);
      base = bound(m);
    }
    if (base === undefined) throw new Error(`count ${JSON.stringify(raw)}: the member has no such bound in the table`);
    const delta = k === undefined ? 0 : Number(k);
    return sign === "-" ? base - delta : base + delta;
  }

  /** Resolves one value of the input for member m (undefined for a value the table does not describe). */
  value(raw: unknown, m: Member | undefined): unknown {
    if (typeof raw === "string") {
      let s = raw;
      for (const [name, value] of this.placeholders) s = s.replaceAll(name, value);
      return s;
    }
    if (Array.isArray(raw)) return raw.map((item) => this.value(item, m?.items));
    if (!isRecord(raw)) return raw;
    if (typeof raw["repeat"] === "string") return raw["repeat"].repeat(Math.max(this.count(raw["count"], m), 0));
    if ("items" in raw) {
      const n = Math.max(this.count(raw["count"], m), 0);
      const item = this.value(raw["items"], undefined);
      return Array.from({ length: n }, () => item);
    }
    if ("number" in raw) return this.count(raw["number"], m);
    const out: Record<string, unknown> = {};
    for (const [name, prop] of Object.entries(raw)) out[name] = this.value(prop, m?.properties?.find((p) => p.name === name));
    return out;
  }

  /** Resolves a vector's input for op; its ContentType first, since `limit` depends on it. */
  input(op: Operation, input: Record<string, unknown>): Record<string, unknown> {
    if (Object.hasOwn(input, "ContentType")) {
      const ct = this.value(input["ContentType"], memberOf(op, "ContentType"));
      this.contentType = typeof ct === "string" ? ct : "";
    }
    const out: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(input)) {
      const m = memberOf(op, name);
      if (!m) throw new Error(`${op.name} has no member ${name}`);
      try {
        out[name] = this.value(raw, m);
      } catch (err) {
        throw new Error(`${op.name} ${name}: ${(err as Error).message}`);
      }
    }
    return out;
  }
}

/** The client's name of a model member: its first letter lower-cased (written here, not imported, to test the client's rule). */
export function camelName(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * The client's form of a resolved value of member m: the member names of objects in camelCase
 * (nested ones too, guided by the table), lists item by item, a map's keys as they are.
 */
export function toClientValue(m: Member | undefined, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => toClientValue(m?.items, v));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (m?.kind === "Map") out[k] = toClientValue(m.values, v);
    else out[camelName(k)] = toClientValue(m?.properties?.find((p) => p.name === k), v);
  }
  return out;
}

/** The client's input object for a resolved, model-named input of op. */
export function toClientInput(op: Operation, input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) out[camelName(name)] = toClientValue(memberOf(op, name), value);
  return out;
}

/** The input member that carries the token (in the bearer header). */
export function bearerMember(op: Operation): Member {
  const m = op.input.find((x) => x.in === "Header" && x.header === bearerHeader);
  if (!m?.name) throw new Error(`${op.name} has no member in ${bearerHeader}`);
  return m;
}
