// Lints the contracts with the pinned Redocly CLI and fails on any error or warning: `redocly lint`
// itself exits 0 on warnings, and the contracts must have none.
//
//   node scripts/lint-spec.mjs --config ../../redocly.yaml FILE...   (npm run lint:spec)
//
// The arguments go to `redocly lint` as they are. It runs once with `--format=json` to count the
// problems of every file; when there is one, it runs again with the readable default format to
// show them.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(root, "node_modules", ".bin", "redocly");
const args = process.argv.slice(2);
if (args.length === 0) {
  console.error("usage: node scripts/lint-spec.mjs [redocly lint options] FILE...");
  process.exit(2);
}

const run = spawnSync(bin, ["lint", "--format=json", ...args], { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
if (run.error) throw run.error;

// One JSON object per file, one after the other: add up their totals.
const totals = { errors: 0, warnings: 0, files: 0 };
for (const m of run.stdout.matchAll(/"totals":\s*\{\s*"errors":\s*(\d+),\s*"warnings":\s*(\d+)/g)) {
  totals.errors += Number(m[1]);
  totals.warnings += Number(m[2]);
  totals.files++;
}
const files = args.filter((a, i) => !a.startsWith("-") && !(i > 0 && args[i - 1] === "--config"));

if (run.status === 0 && totals.files === files.length && totals.errors === 0 && totals.warnings === 0) {
  console.log(`redocly lint: ${files.length} files, 0 errors, 0 warnings (${files.join(", ")})`);
  process.exit(0);
}

// Show the problems as Redocly words them.
const shown = spawnSync(bin, ["lint", ...args], { cwd: root, stdio: "inherit" });
if (shown.error) throw shown.error;
console.error(
  totals.files === files.length
    ? `redocly lint: ${totals.errors} errors and ${totals.warnings} warnings; the contracts must have none`
    : `redocly lint reported on ${totals.files} of ${files.length} files (exit ${run.status})`,
);
process.exit(1);
