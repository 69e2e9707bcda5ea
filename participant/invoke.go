package participant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"

	"github.com/chatwire/connectparticipant/gen/participantops"
)

// An operation is its entry in the generated operation table, and its Go
// input and output types. Everything else about a call is the same for every
// operation and lives in invoke.
type operation[In, Out any] struct {
	spec  *participantops.Operation
	input *structPlan
	// Fields found once by reflection: the bearer token and the idempotency
	// token of the input (-1 without one), and the ClientToken of the output.
	bearer, token, outToken int
	// hasLabels: the path depends on the input, so the request is built per
	// call; otherwise once per client, as a template.
	hasLabels bool
	id        int // index of the template in Client.templates
}

// templater is what New needs of every operation to build its template.
type templater interface {
	template(server string) (*http.Request, error)
}

// operations lists every operation, in the order of Client.templates.
var operations []templater

// newOperation declares an operation. It panics if the Go types do not hold
// the members of the contract, a mistake the package's tests catch.
func newOperation[In, Out any](spec *participantops.Operation) *operation[In, Out] {
	op := &operation[In, Out]{spec: spec, bearer: -1, token: -1, outToken: -1, id: len(operations)}
	in, err := bindStruct(reflect.TypeFor[In](), spec.Input, spec.HasBody, "")
	if err != nil {
		panic("participant: " + spec.Name + ": " + err.Error())
	}
	op.input = in
	for _, f := range in.fields {
		switch {
		case f.m == spec.Bearer():
			op.bearer = f.index
		case f.m.In == participantops.InPath:
			op.hasLabels = true
		case f.m.IdempotencyToken:
			op.token = f.index
		}
	}
	if field, ok := reflect.TypeFor[Out]().FieldByName("ClientToken"); ok {
		op.outToken = field.Index[0]
	}
	if op.bearer < 0 {
		panic("participant: " + spec.Name + ": the input has no bearer token member")
	}
	if (op.token < 0) != (op.outToken < 0) {
		panic("participant: " + spec.Name + ": the output must have a ClientToken field exactly when the input has an idempotency token")
	}
	if _, ok := any(new(Out)).(interface{ setResultMetadata(string, int) }); !ok {
		panic("participant: " + spec.Name + ": the output must embed ResultMetadata")
	}
	operations = append(operations, op)
	return op
}

func (op *operation[In, Out]) template(server string) (*http.Request, error) {
	if op.hasLabels {
		return nil, nil
	}
	return op.build(server, nil)
}

// build is the operation's request to server, with the path labels, and
// the client's User-Agent.
func (op *operation[In, Out]) build(server string, labels map[string]string) (*http.Request, error) {
	req, err := op.spec.NewRequest(server, labels)
	if err == nil {
		req.Header["User-Agent"] = []string{userAgent}
	}
	return req, err
}

// validate checks every rule of the contract on in, a value of type In, and
// returns an *InvalidParamsError listing every failure, or nil.
func (op *operation[In, Out]) validate(in reflect.Value) error {
	var v validator
	op.input.check(&v, in)
	return v.err(op.spec.Name)
}

// request builds the request of an operation with path labels for in.
func (op *operation[In, Out]) request(server string, in reflect.Value) (*http.Request, error) {
	labels := map[string]string{}
	for _, f := range op.input.fields {
		if f.m.In == participantops.InPath {
			labels[f.m.Header] = in.Field(f.index).String()
		}
	}
	return op.build(server, labels)
}

// call is the state of one call: the input (a copy the call may fill in),
// the bytes every attempt sends, and the output, in one allocation.
type call[In, Out any] struct {
	c      *Client
	op     *operation[In, Out]
	in     In
	out    Out
	tmpl   *http.Request
	bearer string
	body   []byte
	// requestID is the x-amzn-RequestId of the answer that succeeded.
	requestID string
}

// invoke is the one call path of every operation: fill in the idempotency
// token, validate the input, build the request from the generated table, run
// the attempts with retries, decode the answer, and wrap any failure, once,
// in an *OperationError.
func invoke[In, Out any](ctx context.Context, c *Client, op *operation[In, Out], in In, opts []CallOption) (*Out, error) {
	cl := &call[In, Out]{c: c, op: op, in: in}
	input := reflect.ValueOf(&cl.in).Elem()
	// The token is filled in first: two operations require one, and the
	// caller leaves it to the client.
	var token string
	if op.token >= 0 {
		field := input.Field(op.token)
		if token = field.String(); token == "" {
			var err error
			if token, err = c.tokens.GetIdempotencyToken(); err != nil {
				return nil, cl.fail(0, fmt.Errorf("generating a ClientToken: %w", err), "")
			}
			field.SetString(token)
		}
		reflect.ValueOf(&cl.out).Elem().Field(op.outToken).SetString(token)
	}
	if err := op.validate(input); err != nil {
		return nil, cl.fail(0, err, "")
	}
	cl.bearer = input.Field(op.bearer).String()

	cl.tmpl = c.templates[op.id]
	if cl.tmpl == nil {
		req, err := op.request(c.endpoint, input)
		if err != nil {
			return nil, cl.fail(0, fmt.Errorf("building the request: %w", err), token)
		}
		cl.tmpl = req
	}
	if op.spec.HasBody {
		body, err := json.Marshal(&cl.in)
		if err != nil {
			return nil, cl.fail(0, fmt.Errorf("encoding the request: %w", err), token)
		}
		cl.body = body
	}

	attempts, maybe, err := c.retry(ctx, op.spec.Name, opts, cl)
	if err != nil {
		opErr := cl.fail(attempts, err, token)
		opErr.MayHaveTakenEffect = maybe
		return nil, opErr
	}
	any(&cl.out).(interface{ setResultMetadata(string, int) }).setResultMetadata(cl.requestID, attempts)
	// The output points into the call; drop what callers who keep outputs
	// would otherwise keep alive: the input (its token and content), the
	// request.
	var noInput In
	cl.in, cl.bearer, cl.body, cl.tmpl = noInput, "", nil, nil
	return &cl.out, nil
}

// fail wraps err in the call's *OperationError.
func (cl *call[In, Out]) fail(attempts int, err error, token string) *OperationError {
	return &OperationError{Operation: cl.op.spec.Name, Attempts: attempts, ClientToken: token, Err: err}
}

// attempt sends the request once and decodes the answer.
func (cl *call[In, Out]) attempt(ctx context.Context) (attemptResult, error) {
	c := cl.c
	resp, err := c.httpClient.Do(newRequest(ctx, cl.tmpl, cl.bearer, cl.body))
	if err != nil {
		return attemptResult{}, classifyTransportError(err)
	}
	res := attemptResult{status: resp.StatusCode, requestID: redactIn(resp.Header.Get(requestIDHeader), cl.bearer)}
	bp, data, err := readBody(resp, c.maxResponseBytes, res.requestID)
	if resp.StatusCode != http.StatusOK {
		// An error answer keeps its status and headers even when its body
		// is too large or breaks off: they say what happened and whether to
		// retry; the body only adds the message.
		apiErr := decodeAPIError(resp, data, cl.op.spec, res.requestID, cl.bearer)
		release(bp)
		return res, apiErr
	}
	if err != nil {
		return res, err
	}
	defer release(bp)
	// Only the attempt that succeeds decodes: cl.out holds the ClientToken
	// invoke set (json:"-") and nothing else yet.
	if len(cl.op.spec.Output) > 0 {
		if err := json.Unmarshal(data, &cl.out); err != nil {
			// encoding/json quotes a number it cannot store, which may be
			// the token echoed back: cut it out, as from an error answer.
			if msg := err.Error(); redactIn(msg, cl.bearer) != msg {
				err = errors.New(redactIn(msg, cl.bearer))
			}
			return res, fmt.Errorf("decoding the answer (HTTP %d, request ID %s): %w", res.status, res.requestID, err)
		}
	}
	cl.requestID = res.requestID
	return res, nil
}
