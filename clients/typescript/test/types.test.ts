// Compile-time tests of the shapes derived from the generated table: `tsc --noEmit` (npm run
// typecheck) fails when one of them changes. The runtime part only checks the exported constants.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  contentTypes,
  enums,
  operations,
  type CompleteAttachmentUploadInput,
  type CreateParticipantConnectionInput,
  type DescribeViewOutput,
  type DisconnectParticipantOutput,
  type GetAttachmentOutput,
  type GetTranscriptInput,
  type GetTranscriptOutput,
  type KnownContentType,
  type KnownEventContentType,
  type SendMessageInput,
  type SendMessageOutput,
} from "../src/index.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

// The known content types are the contract's, not a list written here.
expectType<Equal<KnownContentType, "text/plain" | "text/markdown" | "application/json" | "application/vnd.amazonaws.connect.message.interactive.response">>();
expectType<
  Equal<
    KnownEventContentType,
    | "application/vnd.amazonaws.connect.event.typing"
    | "application/vnd.amazonaws.connect.event.connection.acknowledged"
    | "application/vnd.amazonaws.connect.event.message.delivered"
    | "application/vnd.amazonaws.connect.event.message.read"
  >
>();
// Every known type is one of the generated contentTypes.
expectType<KnownContentType | KnownEventContentType extends (typeof contentTypes)[keyof typeof contentTypes] ? true : false>();

// Inputs: the token and the model's members in camelCase; required members required.
const send: SendMessageInput = { connectionToken: "t", contentType: "text/plain", content: "hi" };
const sendOther: SendMessageInput = { connectionToken: "t", contentType: "application/x-custom", content: "hi", clientToken: "c" };
// @ts-expect-error content is required
const sendMissing: SendMessageInput = { connectionToken: "t", contentType: "text/plain" };
const connect: CreateParticipantConnectionInput = { participantToken: "p", type: ["WEBSOCKET", "CONNECTION_CREDENTIALS"], connectParticipant: true };
// @ts-expect-error CreateParticipantConnection takes the participant token, not a connection token
const connectWrong: CreateParticipantConnectionInput = { connectionToken: "c" };
// The idempotency token is required by the model but filled in by the client.
const complete: CompleteAttachmentUploadInput = { connectionToken: "t", attachmentIds: ["a"] };
const page: GetTranscriptInput = {
  connectionToken: "t",
  maxResults: 10,
  scanDirection: "BACKWARD",
  sortOrder: "DESCENDING",
  startPosition: { mostRecent: 5 },
  nextToken: undefined,
};

// Outputs: camelCase members, requestId, and clientToken only where there is an idempotency token.
expectType<Equal<GetTranscriptOutput["nextToken"], string>>();
expectType<Equal<GetAttachmentOutput["attachmentSizeInBytes"], number>>();
expectType<Equal<SendMessageOutput["clientToken"], string>>();
expectType<Equal<DisconnectParticipantOutput, { requestId: string | undefined; clientToken: string }>>();
expectType<"clientToken" extends keyof DescribeViewOutput ? false : true>();
expectType<Equal<NonNullable<NonNullable<DescribeViewOutput["view"]>["content"]>["actions"], string[] | undefined>>();

test("the shapes compile as expected, and the generated constants are re-exported", () => {
  assert.ok([send, sendOther, sendMissing, connect, connectWrong, complete, page].length > 0);
  assert.equal(contentTypes.EventTyping, "application/vnd.amazonaws.connect.event.typing");
  assert.ok(enums.ConnectionType.includes("WEBSOCKET"));
  assert.equal(Object.keys(operations).length, 11);
});
