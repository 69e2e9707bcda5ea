package participanttest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/chatwire/connectparticipant/participant"
)

func TestDescribeView(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	client := newClient(t, srv)
	token := participant.Secret(srv.NewConnection())
	viewToken := srv.AddView(View{
		ID: "view-1", ARN: "arn:aws:connect:us-east-1:123456789012:instance/x/view/view-1", Name: "Confirm order", Version: 3,
		InputSchema: `{"type":"object"}`, Template: `{"Head":{"Title":"Confirm"}}`, Actions: []string{"Confirm", "Cancel"},
	})

	out, err := client.DescribeView(context.Background(), participant.DescribeViewInput{ConnectionToken: token, ViewToken: viewToken})
	if err != nil {
		t.Fatal(err)
	}
	v := out.View
	if v.ID != "view-1" || v.Version != 3 || string(v.Name) != "Confirm order" ||
		string(v.Content.Template) != `{"Head":{"Title":"Confirm"}}` || len(v.Content.Actions) != 2 || string(v.Content.Actions[1]) != "Cancel" {
		t.Errorf("View = %+v", v)
	}

	a := call(t, srv, opView, string(token), labels{"ViewToken": "no-such-view"})
	wantError(t, a, http.StatusNotFound, "")
	var body struct{ ResourceId, ResourceType string }
	a.decode(t, &body)
	if body.ResourceId != "no-such-view" || body.ResourceType != "CONTACT_FLOW" {
		t.Errorf("404 body %s, want ResourceId no-such-view and ResourceType CONTACT_FLOW", a.body)
	}
	_, err = client.DescribeView(context.Background(), participant.DescribeViewInput{ConnectionToken: token, ViewToken: "no-such-view"})
	if nf, ok := errors.AsType[*participant.ResourceNotFoundException](err); !ok || nf.ResourceID != "no-such-view" || nf.ResourceType != participant.ResourceTypeContactFlow {
		t.Errorf("DescribeView of an unknown view: %v, want a ResourceNotFoundException naming it", err)
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	srv := NewServer()
	defer srv.Close()
	client := newClient(t, srv)
	ctx := context.Background()
	customer := srv.NewParticipant(ParticipantOptions{})
	token := participant.Secret(connect(t, client, customer))
	stranger := participant.Secret(srv.NewConnection())

	session := srv.StartAuthentication(customer.ContactID)
	tr := srv.Transcript(customer.ContactID)
	initiated := tr[len(tr)-1]
	var content struct{ SessionId string }
	if err := json.Unmarshal([]byte(initiated.Content), &content); err != nil || initiated.ContentType != participant.EventTypeAuthenticationInitiated ||
		content.SessionId != session || len(session) != 36 {
		t.Errorf("event %+v, session %q: want authentication.initiated with Content {\"SessionId\":\"<36 characters>\"}", initiated, session)
	}

	const redirect = "https://example.com/chat?signed=in&x=1"
	out, err := client.GetAuthenticationURL(ctx, participant.GetAuthenticationURLInput{ConnectionToken: token, SessionID: session, RedirectURI: redirect})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(string(out.AuthenticationURL))
	if err != nil || u.Scheme != "https" || u.Query().Get("state") != session || u.Query().Get("redirect_uri") != redirect {
		t.Errorf("AuthenticationUrl = %s, want https with state=<session> and the escaped redirect_uri", string(out.AuthenticationURL))
	}

	wantValidation := func(name string, err error) {
		t.Helper()
		if _, ok := errors.AsType[*participant.ValidationException](err); !ok {
			t.Errorf("%s: %v, want a ValidationException", name, err)
		}
	}
	_, err = client.GetAuthenticationURL(ctx, participant.GetAuthenticationURLInput{ConnectionToken: stranger, SessionID: session, RedirectURI: redirect})
	wantValidation("another chat's session", err)
	_, err = client.GetAuthenticationURL(ctx, participant.GetAuthenticationURLInput{ConnectionToken: token, SessionID: "00000000-0000-4000-8000-000000000000", RedirectURI: redirect})
	wantValidation("an unknown session", err)

	if _, err := client.CancelParticipantAuthentication(ctx, participant.CancelParticipantAuthenticationInput{ConnectionToken: token, SessionID: session}); err != nil {
		t.Fatal(err)
	}
	tr = srv.Transcript(customer.ContactID)
	if last := tr[len(tr)-1]; last.ContentType != participant.EventTypeAuthenticationCancelled || last.ParticipantID != customer.ParticipantID {
		t.Errorf("last item %+v, want the customer's authentication.cancelled event", last)
	}
	_, err = client.GetAuthenticationURL(ctx, participant.GetAuthenticationURLInput{ConnectionToken: token, SessionID: session, RedirectURI: redirect})
	wantValidation("a cancelled session", err)
	_, err = client.CancelParticipantAuthentication(ctx, participant.CancelParticipantAuthenticationInput{ConnectionToken: token, SessionID: session})
	wantValidation("cancelling twice", err)
}
