// Runs the Go fake service (`participant fake`, cmd/participant) as a separate process, so that the
// TypeScript client is tested against the same contract-validated server the Go client uses.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { repoRoot } from "./vectors.js";

/** A running fake. */
export interface GoFake {
  /** Base URL, e.g. http://127.0.0.1:PORT. */
  url: string;
  /** A connection token the fake issued. */
  connectionToken: string;
  /** Sends SIGTERM and resolves with the exit code once the process has exited. */
  stop(): Promise<number | null>;
}

const startTimeoutMs = 30_000;

/**
 * Builds cmd/participant once into a temporary directory (or uses the binary named by the
 * environment variable PARTICIPANT_BIN, when a caller has built it already) and starts
 * `participant fake` on a free loopback port.
 */
export async function startGoFake(): Promise<GoFake> {
  const dir = mkdtempSync(join(tmpdir(), "participant-fake-"));
  let bin = process.env["PARTICIPANT_BIN"] ?? "";
  if (bin === "") {
    bin = join(dir, process.platform === "win32" ? "participant.exe" : "participant");
    const build = spawnSync("go", ["build", "-o", bin, "./cmd/participant"], { cwd: repoRoot, encoding: "utf8" });
    if (build.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`go build ./cmd/participant failed (exit ${build.status}): ${build.stderr}${build.error ?? ""}`);
    }
  }

  const child = spawn(bin, ["fake", "--addr", "127.0.0.1:0"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`participant fake printed nothing in ${startTimeoutMs} ms: ${stderr}`)), startTimeoutMs);
    lines.once("line", (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`participant fake exited (${code}) before printing its address: ${stderr}`));
    });
  }).catch((err: unknown) => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const info = JSON.parse(first) as { url?: unknown; connectionToken?: unknown };
  if (typeof info.url !== "string" || typeof info.connectionToken !== "string") {
    child.kill("SIGKILL");
    throw new Error('participant fake printed a first line without "url" and "connectionToken" strings');
  }

  return {
    url: info.url,
    connectionToken: info.connectionToken,
    async stop() {
      child.kill("SIGTERM");
      const code = await exited;
      lines.close();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
