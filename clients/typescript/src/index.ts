/**
 * A typed client for the Amazon Connect Participant Service, built on the types that
 * openapi-typescript generates from api/participant.yaml (the same contract the Go client and its
 * fake service are generated from).
 *
 * ```ts
 * import { createClient } from "@chatwire/connectparticipant";
 *
 * const client = createClient({ baseUrl: "https://participant.connect.us-east-1.amazonaws.com" });
 * const out = await client.sendMessage({ connectionToken, contentType: "text/plain", content: "Hello!" });
 * ```
 *
 * The client checks nothing the service checks: a message that breaks a constraint of the contract
 * comes back as a {@link ValidationException} from the service. It never retries by itself; to
 * retry, send again with the `clientToken` of the first output so the message is delivered once.
 */
import createFetchClient from "openapi-fetch";

import { errorFromResponse, ServiceError } from "./errors.js";
import type { components, paths } from "./generated/participant.js";

export * from "./errors.js";
export type { components, paths } from "./generated/participant.js";

/** The four content types the service documents; any other string is passed through to the service. */
export type KnownContentType =
  | "text/plain"
  | "text/markdown"
  | "application/json"
  | "application/vnd.amazonaws.connect.message.interactive.response";

/** Where the message stands, as the service reports it. */
export type MessageProcessingStatus = components["schemas"]["MessageProcessingStatus"];

/** How to reach the service. */
export interface ClientOptions {
  /** The service's base URL, e.g. `https://participant.connect.us-east-1.amazonaws.com`, or a fake's URL. */
  baseUrl: string;
  /** The fetch to send requests with; defaults to `globalThis.fetch`. */
  fetch?: (request: Request) => Promise<Response>;
}

/** One message to send. */
export interface SendMessageInput {
  /** The participant's connection token (sent as `X-Amz-Bearer`); a secret that no error repeats. */
  connectionToken: string;
  /** The message itself. */
  content: string;
  /** The MIME type of `content`, e.g. `text/plain`. */
  contentType: KnownContentType | (string & {});
  /**
   * The idempotency token. When absent or empty, a random UUIDv4 is filled in and returned in the
   * output; send the same token again to retry the same message without delivering it twice.
   */
  clientToken?: string;
  /** Aborts the request when signalled. */
  signal?: AbortSignal;
}

/** What the service answered to an accepted message. */
export interface SendMessageOutput {
  /** The identifier the service gave the message. */
  id: string;
  /** When the message was sent, ISO 8601 in UTC with milliseconds. */
  absoluteTime: string;
  /** Where the message stands, when the service says. */
  messageProcessingStatus: MessageProcessingStatus | undefined;
  /** The `x-amzn-RequestId` of the answer; undefined when absent. */
  requestId: string | undefined;
  /** The ClientToken sent: the caller's, or the one filled in. */
  clientToken: string;
}

/** A client of the Participant Service. */
export interface ParticipantClient {
  /**
   * Sends one message into the chat of the connection. Resolves with the service's answer; rejects
   * with a {@link ServiceError} subclass (e.g. {@link AccessDeniedException}) when the service
   * refuses it, or with fetch's own error when the request could not be sent.
   */
  sendMessage(input: SendMessageInput): Promise<SendMessageOutput>;
}

const sendMessagePath = "/participant/message";

/** Creates a client for the service at `options.baseUrl`. */
export function createClient(options: ClientOptions): ParticipantClient {
  const http = createFetchClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  return {
    async sendMessage(input: SendMessageInput): Promise<SendMessageOutput> {
      const clientToken = input.clientToken || crypto.randomUUID();
      const { data, error, response } = await http.POST(sendMessagePath, {
        params: { header: { "X-Amz-Bearer": input.connectionToken } },
        body: { ContentType: input.contentType, Content: input.content, ClientToken: clientToken },
        parseAs: "text",
        ...(input.signal ? { signal: input.signal } : {}),
      });
      const requestId = response.headers.get("x-amzn-requestid") ?? undefined;
      if (!response.ok) {
        throw errorFromResponse(response.status, response.statusText, response.headers, error);
      }
      const result = parseResult(data);
      if (!result) {
        throw new ServiceError({
          status: response.status,
          code: "InvalidResponse",
          message: `HTTP ${response.status} from SendMessage without a JSON result holding an Id; check that baseUrl points at the Participant Service`,
          requestId,
        });
      }
      return {
        id: result.Id,
        absoluteTime: result.AbsoluteTime ?? "",
        messageProcessingStatus: result.MessageMetadata?.MessageProcessingStatus,
        requestId,
        clientToken,
      };
    },
  };
}

type SendMessageResult = components["schemas"]["SendMessageResult"];

/** Parses a success body; undefined unless it is a JSON object with a string Id. */
function parseResult(text: string | undefined): (SendMessageResult & { Id: string }) | undefined {
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || typeof (parsed as SendMessageResult).Id !== "string") {
    return undefined;
  }
  return parsed as SendMessageResult & { Id: string };
}
