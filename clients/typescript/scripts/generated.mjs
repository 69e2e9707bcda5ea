// Generates the TypeScript types of the contract, or checks that the committed ones are fresh.
//
//   node scripts/generated.mjs write   regenerate src/generated/participant.ts (npm run generate)
//   node scripts/generated.mjs check   regenerate into a temporary file and compare (npm run check:generated)
//
// Both modes run the same command, so `check` fails exactly when `write` would change the file.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const spec = join(root, "..", "..", "api", "participant.yaml");
const committed = join(root, "src", "generated", "participant.ts");
const bin = join(root, "node_modules", ".bin", "openapi-typescript");

function generate(output) {
  const run = spawnSync(bin, [relative(root, spec), "--output", output], { cwd: root, encoding: "utf8" });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error(`openapi-typescript failed (exit ${run.status}); is \`npm ci\` done?`);
  }
}

const mode = process.argv[2];
if (mode === "write") {
  generate(committed);
} else if (mode === "check") {
  const dir = mkdtempSync(join(tmpdir(), "participant-ts-"));
  try {
    const fresh = join(dir, "participant.ts");
    generate(fresh);
    const want = readFileSync(fresh, "utf8").split("\n");
    const got = readFileSync(committed, "utf8").split("\n");
    const n = Math.max(want.length, got.length);
    for (let i = 0; i < n; i++) {
      if (want[i] !== got[i]) {
        console.error(
          `${relative(process.cwd(), committed)} is stale: run \`npm run generate\` in clients/typescript and commit it.\n` +
            `first difference at line ${i + 1}:\n  committed: ${JSON.stringify(got[i])}\n  generated: ${JSON.stringify(want[i])}`,
        );
        process.exit(1);
      }
    }
    console.log(`${relative(process.cwd(), committed)} is up to date with api/participant.yaml`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  console.error("usage: node scripts/generated.mjs write|check");
  process.exit(2);
}
