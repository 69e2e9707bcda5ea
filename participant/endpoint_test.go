package participant_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chatwire/connectparticipant/participant"
)

// smithyModelPath is the service's own Smithy model, relative to this package.
const smithyModelPath = "../api/smithy/connectparticipant-2018-09-07.smithy.json"

// minRuleSetCases is the least number of endpoint test cases the model has;
// fewer means the test read the wrong thing.
const minRuleSetCases = 20

// ruleSetCase is one of the model's smithy.rules#endpointTests.
type ruleSetCase struct {
	Documentation string `json:"documentation"`
	Params        struct {
		Region       *string `json:"Region"`
		UseFIPS      *bool   `json:"UseFIPS"`
		UseDualStack *bool   `json:"UseDualStack"`
		Endpoint     *string `json:"Endpoint"`
	} `json:"params"`
	Expect struct {
		Endpoint *struct {
			URL string `json:"url"`
		} `json:"endpoint"`
		Error *string `json:"error"`
	} `json:"expect"`
}

// ruleSetCases reads the endpoint test cases of the model's service shape.
func ruleSetCases(t *testing.T) []ruleSetCase {
	t.Helper()
	data, err := os.ReadFile(smithyModelPath)
	if err != nil {
		t.Fatal(err)
	}
	var model struct {
		Shapes map[string]struct {
			Type   string                     `json:"type"`
			Traits map[string]json.RawMessage `json:"traits"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(data, &model); err != nil {
		t.Fatalf("%s: %v", smithyModelPath, err)
	}
	var cases []ruleSetCase
	services := 0
	for name, shape := range model.Shapes {
		if shape.Type != "service" {
			continue
		}
		services++
		raw, ok := shape.Traits["smithy.rules#endpointTests"]
		if !ok {
			t.Fatalf("service %s has no smithy.rules#endpointTests trait", name)
		}
		var tests struct {
			TestCases []ruleSetCase `json:"testCases"`
		}
		if err := json.Unmarshal(raw, &tests); err != nil {
			t.Fatalf("service %s: endpointTests: %v", name, err)
		}
		cases = append(cases, tests.TestCases...)
	}
	if services != 1 {
		t.Fatalf("the model has %d service shapes, want 1", services)
	}
	if len(cases) < minRuleSetCases {
		t.Fatalf("the model has %d endpoint test cases, want at least %d: did the test read the model?", len(cases), minRuleSetCases)
	}
	return cases
}

// ruleSetErrors maps each error the rule set can give to words the client's
// error must say, in lower case.
var ruleSetErrors = map[string][]string{
	"Invalid Configuration: FIPS and custom endpoint are not supported":      {"fips", "custom endpoint"},
	"Invalid Configuration: Dualstack and custom endpoint are not supported": {"dual-stack", "custom endpoint"},
	"Invalid Configuration: Missing Region":                                  {"no region"},
}

// TestEndpointRuleSet runs the service's own endpoint test cases against New.
// Not parallel: a case without a region needs the environment's cleared.
func TestEndpointRuleSet(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	for _, tc := range ruleSetCases(t) {
		t.Run(tc.Documentation, func(t *testing.T) {
			var opts []participant.Option
			p := tc.Params
			if p.Region != nil {
				opts = append(opts, participant.WithRegion(*p.Region))
			}
			if p.UseFIPS != nil {
				opts = append(opts, participant.WithFIPS(*p.UseFIPS))
			}
			if p.UseDualStack != nil {
				opts = append(opts, participant.WithDualStack(*p.UseDualStack))
			}
			if p.Endpoint != nil {
				opts = append(opts, participant.WithEndpoint(*p.Endpoint))
			}
			c, err := participant.New(opts...)
			switch {
			case tc.Expect.Endpoint != nil:
				if err != nil {
					t.Fatalf("New() = %v, want endpoint %s", err, tc.Expect.Endpoint.URL)
				}
				// The client ends its base URL with "/" so that operation
				// paths are appended to it.
				if want := strings.TrimSuffix(tc.Expect.Endpoint.URL, "/") + "/"; c.Endpoint() != want {
					t.Errorf("Endpoint() = %q, want %q", c.Endpoint(), want)
				}
			case tc.Expect.Error != nil:
				words, known := ruleSetErrors[*tc.Expect.Error]
				if !known {
					t.Fatalf("the rule set expects the error %q, which the test does not know; add it to ruleSetErrors", *tc.Expect.Error)
				}
				if err == nil {
					t.Fatalf("New() gave endpoint %q, want the error %q", c.Endpoint(), *tc.Expect.Error)
				}
				for _, w := range words {
					if !strings.Contains(strings.ToLower(err.Error()), w) {
						t.Errorf("New() error %q does not say %q (the rule set's error: %q)", err, w, *tc.Expect.Error)
					}
				}
			default:
				t.Fatalf("the case expects neither an endpoint nor an error")
			}
		})
	}
}

// TestNewOptions covers what the rule set does not: which custom endpoints
// are safe, region names, partitions without dual-stack, the environment,
// and the other options' checks. Not parallel: it sets the environment.
func TestNewOptions(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	tests := []struct {
		name    string
		env     map[string]string
		opts    []participant.Option
		want    string
		wantErr string
	}{
		{name: "endpoint wins over region", opts: []participant.Option{participant.WithRegion("us-east-1"), participant.WithEndpoint("https://proxy.example.com")}, want: "https://proxy.example.com/"},
		{name: "endpoint path is kept, with a trailing slash", opts: []participant.Option{participant.WithEndpoint("https://proxy.example.com/connect")}, want: "https://proxy.example.com/connect/"},
		{name: "http to 127.0.0.1", opts: []participant.Option{participant.WithEndpoint("http://127.0.0.1:8080")}, want: "http://127.0.0.1:8080/"},
		{name: "http to another 127/8 address", opts: []participant.Option{participant.WithEndpoint("http://127.0.0.2:8080")}, want: "http://127.0.0.2:8080/"},
		{name: "http to localhost", opts: []participant.Option{participant.WithEndpoint("http://localhost:8080/base")}, want: "http://localhost:8080/base/"},
		{name: "http to the IPv6 loopback", opts: []participant.Option{participant.WithEndpoint("http://[::1]:8080")}, want: "http://[::1]:8080/"},
		{name: "http to a remote host", opts: []participant.Option{participant.WithEndpoint("http://example.com")}, wantErr: "plain http is allowed only for loopback"},
		{name: "http to a host named like localhost", opts: []participant.Option{participant.WithEndpoint("http://localhost.example.com")}, wantErr: "plain http is allowed only for loopback"},
		{name: "ftp", opts: []participant.Option{participant.WithEndpoint("ftp://example.com")}, wantErr: `scheme "ftp"`},
		{name: "relative URL", opts: []participant.Option{participant.WithEndpoint("/just/a/path")}, wantErr: "absolute URL"},
		{name: "user info", opts: []participant.Option{participant.WithEndpoint("https://u:p@example.com")}, wantErr: "user information"},
		{name: "query", opts: []participant.Option{participant.WithEndpoint("https://example.com?a=b")}, wantErr: "query"},
		{name: "fragment", opts: []participant.Option{participant.WithEndpoint("https://example.com/#x")}, wantErr: "fragment"},
		{name: "region that would change the host", opts: []participant.Option{participant.WithRegion("evil.com/x")}, wantErr: "invalid region"},
		{name: "region in upper case", opts: []participant.Option{participant.WithRegion("US-EAST-1")}, wantErr: "invalid region"},
		{name: "region with a leading hyphen", opts: []participant.Option{participant.WithRegion("-us-east-1")}, wantErr: "invalid region"},
		{name: "region with a port", opts: []participant.Option{participant.WithRegion("us-east-1:443")}, wantErr: "invalid region"},
		{name: "dual-stack in aws-iso", opts: []participant.Option{participant.WithRegion("us-iso-east-1"), participant.WithDualStack(true)}, wantErr: "dual-stack is enabled, but partition aws-iso does not support"},
		{name: "dual-stack in aws-iso-b", opts: []participant.Option{participant.WithRegion("us-isob-east-1"), participant.WithDualStack(true)}, wantErr: "partition aws-iso-b does not support dual-stack"},
		{name: "dual-stack in aws-iso-f", opts: []participant.Option{participant.WithRegion("us-isof-south-1"), participant.WithDualStack(true)}, wantErr: "partition aws-iso-f does not support dual-stack"},
		{name: "dual-stack in aws-iso-e", opts: []participant.Option{participant.WithRegion("eu-isoe-west-1"), participant.WithDualStack(true)}, wantErr: "partition aws-iso-e does not support dual-stack"},
		{name: "FIPS and dual-stack in aws-iso", opts: []participant.Option{participant.WithRegion("us-iso-east-1"), participant.WithFIPS(true), participant.WithDualStack(true)}, wantErr: "FIPS and dual-stack are enabled, but partition aws-iso"},
		{name: "no region and no endpoint", wantErr: "no region or endpoint"},
		{name: "AWS_REGION from the environment", env: map[string]string{"AWS_REGION": "eu-west-2"}, want: "https://participant.connect.eu-west-2.amazonaws.com/"},
		{name: "AWS_DEFAULT_REGION when AWS_REGION is empty", env: map[string]string{"AWS_DEFAULT_REGION": "ap-southeast-2"}, want: "https://participant.connect.ap-southeast-2.amazonaws.com/"},
		{name: "AWS_REGION wins over AWS_DEFAULT_REGION", env: map[string]string{"AWS_REGION": "eu-west-2", "AWS_DEFAULT_REGION": "ap-southeast-2"}, want: "https://participant.connect.eu-west-2.amazonaws.com/"},
		{name: "WithRegion wins over the environment", env: map[string]string{"AWS_REGION": "eu-west-2"}, opts: []participant.Option{participant.WithRegion("us-west-2")}, want: "https://participant.connect.us-west-2.amazonaws.com/"},
		{name: "an invalid region from the environment", env: map[string]string{"AWS_REGION": "not a region"}, wantErr: "invalid region"},
		{name: "zero attempts", opts: []participant.Option{participant.WithRegion("us-east-1"), participant.WithMaxAttempts(0)}, wantErr: "WithMaxAttempts"},
		{name: "zero attempt timeout", opts: []participant.Option{participant.WithRegion("us-east-1"), participant.WithAttemptTimeout(0)}, wantErr: "WithAttemptTimeout"},
		{name: "zero response size", opts: []participant.Option{participant.WithRegion("us-east-1"), participant.WithMaxResponseBytes(0)}, wantErr: "WithMaxResponseBytes"},
		{name: "nil token provider", opts: []participant.Option{participant.WithRegion("us-east-1"), participant.WithIdempotencyTokenProvider(nil)}, wantErr: "WithIdempotencyTokenProvider"},
		{name: "zero backoff", opts: []participant.Option{participant.WithRegion("us-east-1"), participant.WithBackoff(0, 1, 1)}, wantErr: "WithBackoff"},
		{name: "backoff cap over an hour", opts: []participant.Option{participant.WithRegion("us-east-1"), participant.WithBackoff(1, 1, 2*time.Hour)}, wantErr: "over 1h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := participant.New(tt.opts...)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("New() gave endpoint %q, want an error saying %q", c.Endpoint(), tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("New() error = %q, want it to say %q", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "participant: ") {
					t.Errorf("New() error = %q, want it to name the package", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New() = %v, want endpoint %s", err, tt.want)
			}
			if c.Endpoint() != tt.want {
				t.Errorf("Endpoint() = %q, want %q", c.Endpoint(), tt.want)
			}
		})
	}
}
