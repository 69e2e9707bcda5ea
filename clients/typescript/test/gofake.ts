// Runs the Go fake service (`participant fake`, cmd/participant) as a separate process, so that the
// TypeScript client is tested against the same contract-validated server the Go client uses, and
// drives it through its control API (api/fake-control.yaml), typed by test/generated/control.ts.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import createFetchClient, { type Client } from "openapi-fetch";

import type { components, paths } from "./generated/control.js";
import { repoRoot } from "./vectors.js";

/** The control API's schemas (and the participant.yaml schemas they refer to). */
export type ControlSchemas = components["schemas"];
export type Fault = ControlSchemas["Fault"];
export type TranscriptItem = ControlSchemas["Item"];

/** A running fake, as `participant fake` announced it. */
export interface GoFake {
  /** The service's base URL, e.g. http://127.0.0.1:PORT. */
  url: string;
  /** The control API's base URL (url + /_control). */
  controlUrl: string;
  /** The contact of `participantToken`. */
  contactId: string;
  /** A participant token of a new chat's customer, for CreateParticipantConnection. */
  participantToken: string;
  /** The connection token of another, already connected customer. */
  connectionToken: string;
  /** The typed control API. */
  control: Control;
  /** Sends SIGTERM and resolves with the exit code once the process has exited. */
  stop(): Promise<number | null>;
}

/** A refusal of the control API: its status and `message`. */
export class ControlError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    message: string,
  ) {
    super(`control API ${operation}: HTTP ${status}: ${message}`);
    this.name = "ControlError";
  }
}

type Answer<T> = { data?: T; error?: { message?: string }; response: Response };

/**
 * The control API of one fake: each method is one operation of api/fake-control.yaml, sent with
 * openapi-fetch over the generated `paths`, so a path, a parameter or a body that does not match
 * the spec fails to compile. A refusal (4xx) rejects with a {@link ControlError}.
 */
export class Control {
  /** The typed openapi-fetch client itself, for calls the methods do not cover. */
  readonly api: Client<paths>;

  constructor(controlUrl: string) {
    this.api = createFetchClient<paths>({ baseUrl: controlUrl });
  }

  async #ok<T>(operation: string, call: Promise<Answer<T>>): Promise<T> {
    const { data, error, response } = await call;
    if (!response.ok) throw new ControlError(operation, response.status, error?.message ?? response.statusText);
    return data as T;
  }

  /** POST /participants: a participant of a new contact, or of `body.ContactId`'s. */
  createParticipant(body: ControlSchemas["ParticipantRequest"] = {}): Promise<ControlSchemas["Participant"]> {
    return this.#ok("CreateParticipant", this.api.POST("/participants", { body }));
  }

  /** POST /contacts/{ContactId}/agent-messages: the agent sends a message; resolves with its transcript item. */
  agentSendMessage(contactId: string, body: ControlSchemas["AgentMessage"]): Promise<TranscriptItem> {
    return this.#ok("AgentSendMessage", this.api.POST("/contacts/{ContactId}/agent-messages", { params: { path: { ContactId: contactId } }, body }));
  }

  /** POST /contacts/{ContactId}/end: ends the chat; its tokens are refused from then on. */
  async endChat(contactId: string): Promise<void> {
    await this.#ok("EndChat", this.api.POST("/contacts/{ContactId}/end", { params: { path: { ContactId: contactId } } }));
  }

  /** POST /contacts/{ContactId}/authentications: starts an authentication; resolves with its SessionId. */
  async startAuthentication(contactId: string): Promise<string> {
    const out = await this.#ok("StartAuthentication", this.api.POST("/contacts/{ContactId}/authentications", { params: { path: { ContactId: contactId } } }));
    return out.SessionId;
  }

  /** GET /contacts/{ContactId}/transcript: the whole transcript, as the fake keeps it. */
  async transcript(contactId: string): Promise<TranscriptItem[]> {
    const out = await this.#ok("GetContactTranscript", this.api.GET("/contacts/{ContactId}/transcript", { params: { path: { ContactId: contactId } } }));
    return out.Transcript;
  }

  /** POST /views: registers a view; resolves with its ViewToken. */
  async addView(body: ControlSchemas["ViewRequest"]): Promise<string> {
    const out = await this.#ok("AddView", this.api.POST("/views", { body }));
    return out.ViewToken;
  }

  /** POST /faults: queues faults, in order. They apply to every client of this fake process. */
  async injectFaults(...faults: Fault[]): Promise<void> {
    await this.#ok("InjectFaults", this.api.POST("/faults", { body: { Faults: faults } }));
  }

  /** DELETE /faults: removes every queued fault. */
  async resetFaults(): Promise<void> {
    await this.#ok("ResetFaults", this.api.DELETE("/faults"));
  }

  /** GET /requests: the latest requests the service routes received, oldest first (never a token). */
  async requests(): Promise<ControlSchemas["ReceivedRequest"][]> {
    const out = await this.#ok("ListRequests", this.api.GET("/requests"));
    return out.Requests;
  }
}

const startTimeoutMs = 30_000;

let binary: Promise<string> | undefined;

/**
 * The participant binary: the one the environment variable PARTICIPANT_BIN names (built with
 * `go build -o ... ./cmd/participant`), or else one built once per test process into a temporary
 * directory, removed when the process exits.
 */
export function participantBinary(): Promise<string> {
  binary ??= (async () => {
    const given = process.env["PARTICIPANT_BIN"] ?? "";
    if (given !== "") return given;
    const dir = mkdtempSync(join(tmpdir(), "participant-fake-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const bin = join(dir, process.platform === "win32" ? "participant.exe" : "participant");
    const build = spawnSync("go", ["build", "-o", bin, "./cmd/participant"], { cwd: repoRoot, encoding: "utf8" });
    if (build.status !== 0) throw new Error(`go build ./cmd/participant failed (exit ${build.status}): ${build.stderr}${build.error ?? ""}`);
    return bin;
  })();
  return binary;
}

/** Starts `participant fake` on a free loopback port and reads the line it announces itself with. */
export async function startGoFake(): Promise<GoFake> {
  const bin = await participantBinary();
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
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`participant fake exited (${code}) before printing its address: ${stderr}`));
    });
  }).catch((err: unknown) => {
    child.kill("SIGKILL");
    throw err;
  });

  const info = JSON.parse(first) as Record<string, unknown>;
  const field = (name: string): string => {
    const v = info[name];
    if (typeof v !== "string" || v === "") {
      child.kill("SIGKILL");
      throw new Error(`participant fake printed a first line without a ${JSON.stringify(name)} string`);
    }
    return v;
  };
  const controlUrl = field("controlUrl");
  return {
    url: field("url"),
    controlUrl,
    contactId: field("contactId"),
    participantToken: field("participantToken"),
    connectionToken: field("connectionToken"),
    control: new Control(controlUrl),
    async stop() {
      child.kill("SIGTERM");
      const code = await exited;
      lines.close();
      return code;
    },
  };
}
