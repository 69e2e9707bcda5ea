package participant

import (
	"reflect"
	"testing"

	"github.com/chatwire/connectparticipant/gen/participantops"
)

// The Go types of every operation. Inputs are bound to the contract when the
// package loads (newOperation panics on a mismatch); outputs are checked here.
var operationTypes = map[string][2]reflect.Type{
	"CancelParticipantAuthentication": {reflect.TypeFor[CancelParticipantAuthenticationInput](), reflect.TypeFor[CancelParticipantAuthenticationOutput]()},
	"CompleteAttachmentUpload":        {reflect.TypeFor[CompleteAttachmentUploadInput](), reflect.TypeFor[CompleteAttachmentUploadOutput]()},
	"CreateParticipantConnection":     {reflect.TypeFor[CreateParticipantConnectionInput](), reflect.TypeFor[CreateParticipantConnectionOutput]()},
	"DescribeView":                    {reflect.TypeFor[DescribeViewInput](), reflect.TypeFor[DescribeViewOutput]()},
	"DisconnectParticipant":           {reflect.TypeFor[DisconnectParticipantInput](), reflect.TypeFor[DisconnectParticipantOutput]()},
	"GetAttachment":                   {reflect.TypeFor[GetAttachmentInput](), reflect.TypeFor[GetAttachmentOutput]()},
	"GetAuthenticationUrl":            {reflect.TypeFor[GetAuthenticationURLInput](), reflect.TypeFor[GetAuthenticationURLOutput]()},
	"GetTranscript":                   {reflect.TypeFor[GetTranscriptInput](), reflect.TypeFor[GetTranscriptOutput]()},
	"SendEvent":                       {reflect.TypeFor[SendEventInput](), reflect.TypeFor[SendEventOutput]()},
	"SendMessage":                     {reflect.TypeFor[SendMessageInput](), reflect.TypeFor[SendMessageOutput]()},
	"StartAttachmentUpload":           {reflect.TypeFor[StartAttachmentUploadInput](), reflect.TypeFor[StartAttachmentUploadOutput]()},
}

// TestEveryOperationHasAMethod: the client declares each operation of the
// contract once, with input and output types bound to it.
func TestEveryOperationHasAMethod(t *testing.T) {
	t.Parallel()
	if len(operations) != len(participantops.Operations) {
		t.Errorf("the client declares %d operations, the contract has %d", len(operations), len(participantops.Operations))
	}
	client := reflect.TypeFor[*Client]()
	for _, spec := range participantops.Operations {
		types, ok := operationTypes[spec.Name]
		if !ok {
			t.Errorf("operation %s of the contract has no Go types", spec.Name)
			continue
		}
		if _, err := bindStruct(types[0], spec.Input, spec.HasBody, ""); err != nil {
			t.Errorf("%s input: %v", spec.Name, err)
		}
		name := spec.Name
		if name == "GetAuthenticationUrl" {
			name = "GetAuthenticationURL" // Go initialisms
		}
		m, ok := client.MethodByName(name)
		if !ok {
			t.Errorf("Client has no method %s", name)
			continue
		}
		if m.Type.NumIn() != 4 || m.Type.In(2) != types[0] || m.Type.Out(0) != reflect.PointerTo(types[1]) {
			t.Errorf("Client.%s is %v, want func(ctx, %v, ...CallOption) (*%v, error)", name, m.Type, types[0], types[1])
		}
	}
}

// TestOutputTypesMatchTheContract holds every output type, and the types
// inside it, to the members of the operation's answer: a field for every
// member under the member's JSON name, of the member's JSON type, a Secret
// or a PresignedURL for a sensitive member, and no field the answer does not
// have.
func TestOutputTypesMatchTheContract(t *testing.T) {
	t.Parallel()
	for _, spec := range participantops.Operations {
		checkOutput(t, spec.Name, operationTypes[spec.Name][1], spec.Output)
	}
}

func checkOutput(t *testing.T, where string, typ reflect.Type, members []participantops.Member) {
	t.Helper()
	typ = derefType(typ)
	fields := map[string]reflect.StructField{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if name, _, skipped := jsonName(f); f.IsExported() && !f.Anonymous && !skipped {
			fields[name] = f
		}
	}
	for i := range members {
		m := &members[i]
		f, ok := fields[m.Name]
		if !ok {
			t.Errorf("%s: %s has no field for member %s", where, typ, m.Name)
			continue
		}
		delete(fields, m.Name)
		if err := checkKind(f.Type, m); err != nil {
			t.Errorf("%s: %s.%s: %v", where, typ, f.Name, err)
		}
		switch {
		case m.Kind == participantops.Object:
			checkOutput(t, where+"."+m.Name, f.Type, m.Properties)
		case m.Kind == participantops.Array && m.Items.Kind == participantops.Object:
			checkOutput(t, where+"."+m.Name+"[]", f.Type.Elem(), m.Items.Properties)
		case m.Kind == participantops.Array && m.Items.Sensitive && f.Type.Elem() != secretType:
			t.Errorf("%s: %s.%s holds sensitive values: make it []Secret", where, typ, f.Name)
		}
	}
	for name, f := range fields {
		t.Errorf("%s: %s.%s (%s) is not a member of the answer", where, typ, f.Name, name)
	}
}

// A pattern on the items of a list holds each item to it.
func TestAnItemPatternIsChecked(t *testing.T) {
	t.Parallel()
	type input struct {
		IDs []string `json:"Ids"`
	}
	members := []participantops.Member{{
		Name: "Ids", In: participantops.InBody, Kind: participantops.Array, Required: true, MinLength: 1, MaxLength: participantops.NoLimit,
		Items: &participantops.Member{Kind: participantops.String, MaxLength: participantops.NoLimit, Pattern: "^[a-z]+$"},
	}}
	plan, err := bindStruct(reflect.TypeFor[input](), members, true, "")
	if err != nil {
		t.Fatal(err)
	}
	var v validator
	plan.check(&v, reflect.ValueOf(input{IDs: []string{"abc", "NOT-lower"}}))
	if len(v.fields) != 1 || v.fields[0].Field != "Ids[1]" || v.fields[0].Rule != "pattern" {
		t.Errorf("got %+v, want Ids[1] refused by its pattern", v.fields)
	}
}
