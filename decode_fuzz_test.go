package connectparticipant_test

// A differential fuzz of the decoding of GetTranscript's answer: the
// participant client's output and oapi-codegen's generated type
// (gen/participantapi.GetTranscriptResult) decoding the same 200 body must
// agree on every field, or both refuse the body.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/chatwire/connectparticipant/gen/participantapi"
	"github.com/chatwire/connectparticipant/participant"
)

type transcriptBodyKey struct{}

// transcriptBodyTransport answers with a 200 whose body is the []byte of the
// request's context.
type transcriptBodyTransport struct{}

func (transcriptBodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	body := req.Context().Value(transcriptBodyKey{}).([]byte)
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "X-Amzn-Requestid": {"fuzz"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

func FuzzGetTranscriptDecodeMatchesOapiCodegen(f *testing.F) {
	for _, s := range []string{
		// The spec's example.
		`{"InitialContactId":"0f6a2c9e-4b1d-4e7a-9c3f-8d5b2a1e6c04","Transcript":[{"Id":"1d7b3e9a-5c2f-4a8d-b6e1-0c9f4a2d7b58","Type":"EVENT","ContentType":"application/vnd.amazonaws.connect.event.participant.joined","AbsoluteTime":"2019-11-08T02:41:20.100Z","ParticipantId":"8e2c5a1f-7d3b-4f9e-a6c0-2b4d8f1e3a75","DisplayName":"Customer","ParticipantRole":"CUSTOMER"},{"Id":"9b1c4a52-3f0e-4d7a-8c61-2e5f0a9d7b34","Type":"MESSAGE","ContentType":"text/plain","Content":"Hello, I need help with my order.","AbsoluteTime":"2019-11-08T02:41:28.172Z","ParticipantId":"8e2c5a1f-7d3b-4f9e-a6c0-2b4d8f1e3a75","DisplayName":"Customer","ParticipantRole":"CUSTOMER"}],"NextToken":"eyJwYWdlIjoyfQ"}`,
		// Every member of an item.
		`{"Transcript":[{"Id":"i","Type":"ATTACHMENT","ContentType":"application/pdf","Content":"c","AbsoluteTime":"t","ParticipantId":"p","DisplayName":"d","ParticipantRole":"AGENT","ContactId":"k","RelatedContactId":"r","Attachments":[{"AttachmentId":"a","AttachmentName":"n","ContentType":"application/pdf","Status":"APPROVED"},{}],"MessageMetadata":{"MessageId":"m","MessageProcessingStatus":"FAILED","Receipts":[{"RecipientParticipantId":"p","DeliveredTimestamp":"d","ReadTimestamp":"r"},{}]}}]}`,
		// Empty, null and missing members; keys in other cases; duplicates.
		`{}`, `null`, `{"Transcript":[]}`, `{"Transcript":null}`, `{"Transcript":[null,{}]}`,
		`{"Transcript":[{"Attachments":[],"MessageMetadata":{"Receipts":[]}}]}`,
		`{"Transcript":[{"Attachments":null,"MessageMetadata":null}]}`,
		`{"transcript":[{"id":"lower","TYPE":"MESSAGE"}],"nexttoken":"n"}`,
		`{"Transcript":[{"Id":"a","Type":"X"}],"Transcript":[{"Id":"b"}]}`,
		`{"Transcript":[{"MessageMetadata":{"MessageId":"a"},"MessageMetadata":{"Receipts":[{}]}}]}`,
		`{"Transcript":[{"Content":"\ud800 \u00e9\ud83d\ude00","Unknown":{"x":[1]}}]}`,
		// Bodies both refuse.
		``, `[]`, `{"Transcript":{}}`, `{"Transcript":[1]}`, `{"NextToken":1}`, `{"Transcript":[{"Attachments":{}}]}`,
		`{"Transcript":[{"MessageMetadata":[]}]}`, `{} {}`, `<html>`,
	} {
		f.Add([]byte(s))
	}
	// transcriptFromOapi converts every field: the types pair up field for field.
	for _, pair := range [][2]reflect.Type{
		{reflect.TypeFor[participant.GetTranscriptOutput](), reflect.TypeFor[participantapi.GetTranscriptResult]()},
		{reflect.TypeFor[participant.Item](), reflect.TypeFor[participantapi.Item]()},
		{reflect.TypeFor[participant.AttachmentItem](), reflect.TypeFor[participantapi.AttachmentItem]()},
		{reflect.TypeFor[participant.MessageMetadata](), reflect.TypeFor[participantapi.MessageMetadata]()},
		{reflect.TypeFor[participant.Receipt](), reflect.TypeFor[participantapi.Receipt]()},
	} {
		client, gen := pair[0].NumField(), pair[1].NumField()
		if _, ok := pair[0].FieldByName("ResultMetadata"); ok {
			client--
		}
		if client != gen {
			f.Fatalf("%v has %d fields, %v %d: update transcriptFromOapi", pair[0], client, pair[1], gen)
		}
	}
	c, err := participant.New(participant.WithEndpoint("https://participant.connect.us-east-1.amazonaws.com"),
		participant.WithHTTPClient(&http.Client{Transport: transcriptBodyTransport{}}), participant.WithMaxAttempts(1))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > participant.DefaultMaxResponseBytes {
			return // the client refuses it unread
		}
		ctx := context.WithValue(context.Background(), transcriptBodyKey{}, body)
		out, err := c.GetTranscript(ctx, participant.GetTranscriptInput{ConnectionToken: "QVFJREFIaGV4YW1wbGVjb25uZWN0aW9udG9rZW4"})
		var gen participantapi.GetTranscriptResult
		genErr := json.Unmarshal(body, &gen)
		if (err != nil) != (genErr != nil) {
			t.Fatalf("body %q: the client's error %v, oapi-codegen's %v", body, err, genErr)
		}
		if err != nil {
			if _, ok := errors.AsType[participant.APIError](err); ok {
				t.Fatalf("body %q: a 200 became an APIError: %v", body, err)
			}
			return
		}
		got := *out
		got.ResultMetadata = participant.ResultMetadata{}
		if want := transcriptFromOapi(gen); !reflect.DeepEqual(got, want) {
			t.Fatalf("body %q:\nclient       %+v\noapi-codegen %+v", body, got, want)
		}
	})
}

// transcriptFromOapi converts oapi-codegen's result to the client's output:
// an absent or null member (a nil pointer) is the zero value, and a present
// array stays non-nil even when empty, as encoding/json decodes [].
func transcriptFromOapi(r participantapi.GetTranscriptResult) participant.GetTranscriptOutput {
	s := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	out := participant.GetTranscriptOutput{InitialContactID: s(r.InitialContactId), NextToken: s(r.NextToken)}
	if r.Transcript == nil {
		return out
	}
	out.Transcript = make([]participant.Item, len(*r.Transcript))
	for i, it := range *r.Transcript {
		item := participant.Item{
			ID: s(it.Id), ContentType: s(it.ContentType), Content: s(it.Content), AbsoluteTime: participant.Timestamp(s(it.AbsoluteTime)),
			ParticipantID: s(it.ParticipantId), DisplayName: s(it.DisplayName), ContactID: s(it.ContactId), RelatedContactID: s(it.RelatedContactId),
		}
		if it.Type != nil {
			item.Type = participant.ChatItemType(*it.Type)
		}
		if it.ParticipantRole != nil {
			item.ParticipantRole = participant.ParticipantRole(*it.ParticipantRole)
		}
		if it.Attachments != nil {
			item.Attachments = make([]participant.AttachmentItem, len(*it.Attachments))
			for j, a := range *it.Attachments {
				item.Attachments[j] = participant.AttachmentItem{AttachmentID: s(a.AttachmentId), AttachmentName: s(a.AttachmentName), ContentType: s(a.ContentType)}
				if a.Status != nil {
					item.Attachments[j].Status = participant.ArtifactStatus(*a.Status)
				}
			}
		}
		if m := it.MessageMetadata; m != nil {
			item.MessageMetadata = &participant.MessageMetadata{MessageID: s(m.MessageId)}
			if m.MessageProcessingStatus != nil {
				item.MessageMetadata.MessageProcessingStatus = participant.MessageProcessingStatus(*m.MessageProcessingStatus)
			}
			if m.Receipts != nil {
				item.MessageMetadata.Receipts = make([]participant.Receipt, len(*m.Receipts))
				for j, rc := range *m.Receipts {
					item.MessageMetadata.Receipts[j] = participant.Receipt{RecipientParticipantID: s(rc.RecipientParticipantId),
						DeliveredTimestamp: participant.Timestamp(s(rc.DeliveredTimestamp)), ReadTimestamp: participant.Timestamp(s(rc.ReadTimestamp))}
				}
			}
		}
		out.Transcript[i] = item
	}
	return out
}
