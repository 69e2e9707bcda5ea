// Generates the TypeScript types of the contracts, or checks that the committed ones are fresh.
//
//   node scripts/generated.mjs write   regenerate every file below (npm run generate)
//   node scripts/generated.mjs check   regenerate into a temporary directory and compare (npm run check:generated)
//
// Both modes run the same command, so `check` fails exactly when `write` would change a file.
// (src/generated/operations.ts is the Go generator's, checked by the Go tests; it is not here.)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const api = join(root, "..", "..", "api");
const bin = join(root, "node_modules", ".bin", "openapi-typescript");

/** Each generated file and the spec it is generated from. */
const targets = [
  // The client's types: the service's contract.
  { spec: join(api, "participant.yaml"), output: join(root, "src", "generated", "participant.ts") },
  // The tests' types of the Go fake's control API; its $refs to ./participant.yaml are resolved.
  { spec: join(api, "fake-control.yaml"), output: join(root, "test", "generated", "control.ts") },
];

function generate(spec, output) {
  const run = spawnSync(bin, [relative(root, spec), "--output", output], { cwd: root, encoding: "utf8" });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error(`openapi-typescript ${relative(root, spec)} failed (exit ${run.status}); is \`npm ci\` done?`);
  }
}

/** The first line where the committed file differs from the fresh one, or undefined. */
function firstDifference(committed, fresh) {
  let got;
  try {
    got = readFileSync(committed, "utf8").split("\n");
  } catch {
    return { line: 1, committed: "(the file is missing)", generated: "" };
  }
  const want = readFileSync(fresh, "utf8").split("\n");
  const n = Math.max(want.length, got.length);
  for (let i = 0; i < n; i++) {
    if (want[i] !== got[i]) return { line: i + 1, committed: got[i], generated: want[i] };
  }
  return undefined;
}

const mode = process.argv[2];
if (mode === "write") {
  for (const t of targets) generate(t.spec, t.output);
} else if (mode === "check") {
  const dir = mkdtempSync(join(tmpdir(), "participant-ts-"));
  let stale = false;
  try {
    targets.forEach((t, i) => {
      const fresh = join(dir, `${i}.ts`);
      generate(t.spec, fresh);
      const diff = firstDifference(t.output, fresh);
      const name = relative(process.cwd(), t.output);
      if (diff) {
        stale = true;
        console.error(
          `${name} is stale: run \`npm run generate\` in clients/typescript and commit it.\n` +
            `first difference at line ${diff.line}:\n  committed: ${JSON.stringify(diff.committed)}\n  generated: ${JSON.stringify(diff.generated)}`,
        );
      } else {
        console.log(`${name} is up to date with ${relative(process.cwd(), t.spec)}`);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (stale) process.exit(1);
} else {
  console.error("usage: node scripts/generated.mjs write|check");
  process.exit(2);
}
