/**
 * A typed client for the Amazon Connect Participant Service, driven by the operation table that
 * the Go generator writes from api/participant.yaml (`src/generated/operations.ts`) and typed by
 * the types openapi-typescript generates from the same file (`src/generated/participant.ts`).
 *
 * ```ts
 * import { createClient } from "@chatwire/connectparticipant";
 *
 * const client = createClient({ baseUrl: "https://participant.connect.us-east-1.amazonaws.com" });
 * const { connectionCredentials } = await client.createParticipantConnection({
 *   participantToken, type: ["CONNECTION_CREDENTIALS"], connectParticipant: true,
 * });
 * const connectionToken = connectionCredentials?.connectionToken ?? "";
 * const out = await client.sendMessage({ connectionToken, contentType: "text/plain", content: "Hello!" });
 * ```
 *
 * Every operation goes through one call path (see `src/invoke.ts`). The client checks nothing
 * the service checks: an input that breaks a constraint of the contract comes back as a
 * {@link ValidationException} from the service. It never retries by itself; to retry an
 * operation with an idempotency token, call it again with the `clientToken` of the first output
 * or of its error ({@link ServiceError.clientToken}, or {@link clientTokenOf} for any error), so
 * the service acts on it once.
 */
import { bodyBytes, readExactly, transfer, type AttachmentBody } from "./attachments.js";
import { INVALID_RESPONSE, ServiceError } from "./errors.js";
import { enums, type OperationName } from "./generated/operations.js";
import { createInvoke } from "./invoke.js";
import { Secrets } from "./redact.js";
import type { EnumValue, Input, KnownValuesOf, Output } from "./shapes.js";

export * from "./errors.js";
export type { components, paths } from "./generated/participant.js";
export {
  bearerHeader,
  contentTypes,
  enums,
  errorStatus,
  errorTypeHeader,
  operations,
  requestIdHeader,
  type ErrorCode,
  type Member,
  type Operation,
  type OperationName,
} from "./generated/operations.js";
export { REDACTED } from "./redact.js";
export type { AttachmentBody } from "./attachments.js";
export type { EnumValue, HasIdempotencyToken, Input, Output, StructOf, ValueOf } from "./shapes.js";

/** The content types the contract documents for SendMessage; any other string is passed through to the service. */
export type KnownContentType = KnownValuesOf<"SendMessage", "ContentType">;

/** The event types the contract documents for SendEvent (see also `contentTypes`, e.g. `contentTypes.EventTyping`). */
export type KnownEventContentType = KnownValuesOf<"SendEvent", "ContentType">;

/** Where a message stands, as the service reports it. */
export type MessageProcessingStatus = EnumValue<"MessageProcessingStatus">;

export type CreateParticipantConnectionInput = Input<"CreateParticipantConnection">;
export type CreateParticipantConnectionOutput = Output<"CreateParticipantConnection">;
export type SendMessageInput = Input<"SendMessage">;
/** The output of SendMessage; `messageProcessingStatus` repeats `messageMetadata?.messageProcessingStatus`. */
export type SendMessageOutput = Output<"SendMessage"> & {
  /** Where the message stands, when the service says: `messageMetadata?.messageProcessingStatus`. */
  messageProcessingStatus: MessageProcessingStatus | undefined;
};
export type SendEventInput = Input<"SendEvent">;
export type SendEventOutput = Output<"SendEvent">;
export type GetTranscriptInput = Input<"GetTranscript">;
export type GetTranscriptOutput = Output<"GetTranscript">;
/** One item of a transcript: a message, an event or an attachment. */
export type TranscriptItem = GetTranscriptOutput["transcript"][number];
export type DisconnectParticipantInput = Input<"DisconnectParticipant">;
export type DisconnectParticipantOutput = Output<"DisconnectParticipant">;
export type StartAttachmentUploadInput = Input<"StartAttachmentUpload">;
export type StartAttachmentUploadOutput = Output<"StartAttachmentUpload">;
export type CompleteAttachmentUploadInput = Input<"CompleteAttachmentUpload">;
export type CompleteAttachmentUploadOutput = Output<"CompleteAttachmentUpload">;
export type GetAttachmentInput = Input<"GetAttachment">;
export type GetAttachmentOutput = Output<"GetAttachment">;
export type DescribeViewInput = Input<"DescribeView">;
export type DescribeViewOutput = Output<"DescribeView">;
export type GetAuthenticationUrlInput = Input<"GetAuthenticationUrl">;
export type GetAuthenticationUrlOutput = Output<"GetAuthenticationUrl">;
export type CancelParticipantAuthenticationInput = Input<"CancelParticipantAuthentication">;
export type CancelParticipantAuthenticationOutput = Output<"CancelParticipantAuthentication">;

/** A file to attach: StartAttachmentUpload's input without the size, which is `body`'s byteLength. */
export type UploadAttachmentInput = Omit<StartAttachmentUploadInput, "attachmentSizeInBytes"> & {
  /** The file's bytes. */
  body: AttachmentBody;
};

/** An attachment that is part of the chat. */
export interface UploadAttachmentOutput {
  /** The attachment's identifier, as GetAttachment and the transcript name it. */
  attachmentId: string;
  /** How many bytes were uploaded. */
  attachmentSizeInBytes: number;
  /** The ClientToken that StartAttachmentUpload and CompleteAttachmentUpload both sent. */
  clientToken: string;
  /** CompleteAttachmentUpload's `x-amzn-RequestId`. */
  requestId: string | undefined;
}

/** An attachment to download: GetAttachment's input. */
export type DownloadAttachmentInput = GetAttachmentInput;

/** How to reach the service. */
export interface ClientOptions {
  /** The service's base URL, e.g. `https://participant.connect.us-east-1.amazonaws.com`, or a fake's URL. */
  baseUrl: string;
  /** The fetch to send every request with (the service's and the attachment transfers); defaults to `globalThis.fetch`. */
  fetch?: (request: Request) => Promise<Response>;
  /** Makes the idempotency tokens the client fills in; defaults to `crypto.randomUUID()`. */
  idempotencyTokenProvider?: () => string;
}

/**
 * A client of the Participant Service. Each operation resolves with the service's answer in
 * camelCase, or rejects with a {@link ServiceError} subclass (e.g. {@link AccessDeniedException})
 * when the service refuses it, or with fetch's own error when the request could not be sent.
 */
export interface ParticipantClient {
  /** Connects the participant of `participantToken` to its chat: a connection token and a WebSocket URL. */
  createParticipantConnection(input: CreateParticipantConnectionInput): Promise<CreateParticipantConnectionOutput>;
  /** Sends one message into the chat. */
  sendMessage(input: SendMessageInput): Promise<SendMessageOutput>;
  /** Sends an event: typing, or a receipt. A receipt may be refused with a {@link ConflictException}. */
  sendEvent(input: SendEventInput): Promise<SendEventOutput>;
  /** Returns one page of the chat's transcript; {@link ParticipantClient.transcriptItems} walks every page. */
  getTranscript(input: GetTranscriptInput): Promise<GetTranscriptOutput>;
  /** Disconnects the participant from the chat; the connection token stops working. */
  disconnectParticipant(input: DisconnectParticipantInput): Promise<DisconnectParticipantOutput>;
  /** Reserves an attachment and returns where to upload its bytes; {@link ParticipantClient.uploadAttachment} does the whole upload. */
  startAttachmentUpload(input: StartAttachmentUploadInput): Promise<StartAttachmentUploadOutput>;
  /** Adds uploaded attachments to the chat. */
  completeAttachmentUpload(input: CompleteAttachmentUploadInput): Promise<CompleteAttachmentUploadOutput>;
  /** Returns a download URL and the size of an attachment; {@link ParticipantClient.downloadAttachment} downloads it. */
  getAttachment(input: GetAttachmentInput): Promise<GetAttachmentOutput>;
  /** Returns the view that `viewToken` names (percent-encoded in the path); an unknown one is a {@link ResourceNotFoundException}. */
  describeView(input: DescribeViewInput): Promise<DescribeViewOutput>;
  /** Returns the sign-in URL of a customer authentication session. */
  getAuthenticationUrl(input: GetAuthenticationUrlInput): Promise<GetAuthenticationUrlOutput>;
  /** Cancels a customer authentication session. */
  cancelParticipantAuthentication(input: CancelParticipantAuthenticationInput): Promise<CancelParticipantAuthenticationOutput>;

  /**
   * Attaches a file to the chat in the service's three steps: StartAttachmentUpload reserves it,
   * the bytes go to the pre-signed URL it returns with an HTTP PUT carrying exactly the headers it
   * names (never the bearer token), and CompleteAttachmentUpload adds it to the chat with the same
   * ClientToken. A refusal of the storage host is a {@link StorageError}.
   */
  uploadAttachment(input: UploadAttachmentInput): Promise<UploadAttachmentOutput>;
  /**
   * Downloads an attachment: GetAttachment returns a pre-signed URL and the size, and an HTTP GET
   * of the URL (never with the bearer token) returns the bytes. More or fewer bytes than announced
   * is an {@link AttachmentSizeError}; a refusal of the storage host a {@link StorageError}.
   */
  downloadAttachment(input: DownloadAttachmentInput): Promise<Uint8Array>;
  /**
   * Walks every page of the transcript that `input` asks for, starting at `input.nextToken`, and
   * yields the items in the order the service returns them. The walk ends when a page has no
   * NextToken or repeats the one it was given (as the AWS SDKs' paginators do); an error ends it
   * by rejecting.
   */
  transcriptItems(input: GetTranscriptInput): AsyncIterableIterator<TranscriptItem>;
}

/** Every operation of the table has its method on the client (this fails to compile otherwise). */
type CoversEveryOperation<T extends Record<Uncapitalize<OperationName>, unknown>> = T;
type _ClientOperations = CoversEveryOperation<ParticipantClient>;

/** Creates a client for the service at `options.baseUrl`. */
export function createClient(options: ClientOptions): ParticipantClient {
  const fetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const invoke = createInvoke({
    baseUrl: options.baseUrl,
    fetch,
    idempotencyTokenProvider: options.idempotencyTokenProvider ?? (() => crypto.randomUUID()),
  });

  /** An answer that lacks what a flow needs to go on: no service error, but no usable result either. */
  const invalid = (flow: string, requestId: string | undefined, what: string, clientToken?: string): ServiceError =>
    new ServiceError({ status: 200, code: INVALID_RESPONSE, message: what, requestId, operation: flow, clientToken });

  const client: ParticipantClient = {
    createParticipantConnection: (input) => invoke("CreateParticipantConnection", input),
    async sendMessage(input) {
      const out = await invoke("SendMessage", input);
      return { ...out, messageProcessingStatus: out.messageMetadata?.messageProcessingStatus };
    },
    sendEvent: (input) => invoke("SendEvent", input),
    getTranscript: (input) => invoke("GetTranscript", input),
    disconnectParticipant: (input) => invoke("DisconnectParticipant", input),
    startAttachmentUpload: (input) => invoke("StartAttachmentUpload", input),
    completeAttachmentUpload: (input) => invoke("CompleteAttachmentUpload", input),
    getAttachment: (input) => invoke("GetAttachment", input),
    describeView: (input) => invoke("DescribeView", input),
    getAuthenticationUrl: (input) => invoke("GetAuthenticationUrl", input),
    cancelParticipantAuthentication: (input) => invoke("CancelParticipantAuthentication", input),

    async uploadAttachment(input) {
      const { body, ...start } = input;
      const bytes = await bodyBytes(body);
      const started = await invoke("StartAttachmentUpload", { ...start, attachmentSizeInBytes: bytes.byteLength });
      const url = started.uploadMetadata?.url;
      if (!url || !started.attachmentId) {
        throw invalid("UploadAttachment", started.requestId, "StartAttachmentUpload answered without an AttachmentId and an upload URL", started.clientToken);
      }
      await transfer(fetch, {
        operation: "UploadAttachment",
        method: "PUT",
        url,
        headers: started.uploadMetadata?.headersToInclude,
        body: bytes,
        signal: input.signal,
        secrets: new Secrets().add(input.connectionToken).addUrl(url),
        clientToken: started.clientToken,
      });
      const completed = await invoke("CompleteAttachmentUpload", {
        connectionToken: input.connectionToken,
        attachmentIds: [started.attachmentId],
        clientToken: started.clientToken,
        signal: input.signal,
      });
      return {
        attachmentId: started.attachmentId,
        attachmentSizeInBytes: bytes.byteLength,
        clientToken: completed.clientToken,
        requestId: completed.requestId,
      };
    },

    async downloadAttachment(input) {
      const got = await invoke("GetAttachment", input);
      if (!got.url) throw invalid("DownloadAttachment", got.requestId, "GetAttachment answered without a URL");
      const secrets = new Secrets().add(input.connectionToken).addUrl(got.url);
      const response = await transfer(fetch, { operation: "DownloadAttachment", method: "GET", url: got.url, signal: input.signal, secrets });
      return readExactly(response, got.attachmentSizeInBytes, secrets);
    },

    async *transcriptItems(input) {
      let request = input;
      for (;;) {
        const page = await invoke("GetTranscript", request);
        if (Array.isArray(page.transcript)) yield* page.transcript;
        if (!page.nextToken || page.nextToken === request.nextToken) return;
        request = { ...request, nextToken: page.nextToken };
      }
    },
  };
  return client;
}
