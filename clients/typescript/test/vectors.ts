// Loads api/testdata/vectors.json and resolves its generators against api/participant.yaml, the
// same way vectors_test.go does for the Go client, so both read every limit from the spec.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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

/** A string, or S repeated N times where N may be an expression over the spec. */
export type Generated = string | { repeat: string; count: number | string };

/** The expected form of a request on the wire; `$name` values stand for the vector's own values. */
export interface WireForm {
  method: string;
  path: string;
  headers: Record<string, string>;
  absentHeaders: string[];
  bodyKeys: string[];
  body: Record<string, string>;
  generatedClientToken: string;
}

interface RawVector {
  name: string;
  request: { contentType: Generated; content: Generated; clientToken?: Generated; connectionToken?: string };
  wire: string;
  expect: string;
  localError?: string;
}

/** A vector with every generator resolved. */
export interface Vector {
  name: string;
  contentType: string;
  content: string;
  clientToken: string | undefined;
  /** Replaces the token the fake issued, when set. */
  connectionToken: string | undefined;
  wire: WireForm;
  /** `ok` or the error code the service answers. */
  expect: string;
  /** What a client that checks constraints before sending returns instead; unused by this client. */
  localError: string | undefined;
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

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Follows a JSON pointer (`#/a/b`) through the spec, following a `$ref` met on the way. */
export function pointer(spec: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) throw new Error(`not a local JSON pointer: ${ref}`);
  let node: unknown = spec;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (isRecord(node) && !(key in node) && typeof node["$ref"] === "string") node = pointer(spec, node["$ref"]);
    if (!isRecord(node) || !(key in node)) throw new Error(`${ref}: no ${JSON.stringify(key)} in the spec`);
    node = node[key];
  }
  return node;
}

const contentPointer = "#/components/schemas/SendMessageRequest/properties/Content";

/** The largest Content, in code points, the spec allows for contentType. */
export function contentLimit(spec: unknown, contentType: string): number {
  const byType = pointer(spec, contentPointer + "/x-content-length-by-type");
  if (isRecord(byType) && typeof byType[contentType] === "number") return byType[contentType];
  return asInt(pointer(spec, contentPointer + "/maxLength"), contentPointer + "/maxLength");
}

function asInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`${what} is ${JSON.stringify(v)}, want an integer`);
  return v;
}

const countExpr = /^(.*?)(?:([+-])(\d+))?$/;

/** Evaluates a count: a number, or REF, REF+K or REF-K with REF `limit` or a JSON pointer. */
export function evalCount(spec: unknown, count: number | string, contentType: string): number {
  if (typeof count === "number") return count;
  const m = countExpr.exec(count);
  const ref = m?.[1] ?? "";
  const base = ref === "limit" ? contentLimit(spec, contentType) : asInt(pointer(spec, ref), ref);
  const k = m?.[3] === undefined ? 0 : Number(m[3]);
  return m?.[2] === "-" ? base - k : base + k;
}

function generate(spec: unknown, g: Generated, contentType: string): string {
  return typeof g === "string" ? g : g.repeat.repeat(evalCount(spec, g.count, contentType));
}

/** Loads and resolves every vector. */
export function loadVectors(spec: unknown): Vector[] {
  const file = JSON.parse(readFileSync(join(repoRoot, "api", "testdata", "vectors.json"), "utf8")) as {
    wireForms: Record<string, WireForm>;
    vectors: RawVector[];
  };
  return file.vectors.map((v) => {
    const wire = file.wireForms[v.wire];
    if (!wire) throw new Error(`${v.name}: no wire form ${v.wire}`);
    // The content type comes first: a content generator's `limit` depends on it.
    const contentType = generate(spec, v.request.contentType, "");
    return {
      name: v.name,
      contentType,
      content: generate(spec, v.request.content, contentType),
      clientToken: v.request.clientToken === undefined ? undefined : generate(spec, v.request.clientToken, contentType),
      connectionToken: v.request.connectionToken,
      wire,
      expect: v.expect,
      localError: v.localError,
    };
  });
}
