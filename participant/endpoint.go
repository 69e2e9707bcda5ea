package participant

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// endpointPrefix is the service's host prefix in every partition.
const endpointPrefix = "participant.connect"

// partition is a group of regions that share DNS suffixes, as in the AWS
// partitions the service's endpoint rules name (aws.partition).
type partition struct {
	name               string
	prefix             string // region names start with it
	dnsSuffix          string
	dualStackDNSSuffix string // "" when the partition has no dual-stack endpoints
}

// partitions are tried in order; a region that matches none is in aws.
var partitions = []partition{
	{name: "aws-us-gov", prefix: "us-gov-", dnsSuffix: "amazonaws.com", dualStackDNSSuffix: "api.aws"},
	{name: "aws-iso-b", prefix: "us-isob-", dnsSuffix: "sc2s.sgov.gov"},
	{name: "aws-iso-f", prefix: "us-isof-", dnsSuffix: "csp.hci.ic.gov"},
	{name: "aws-iso", prefix: "us-iso-", dnsSuffix: "c2s.ic.gov"},
	{name: "aws-iso-e", prefix: "eu-isoe-", dnsSuffix: "cloud.adc-e.uk"},
	{name: "aws-cn", prefix: "cn-", dnsSuffix: "amazonaws.com.cn", dualStackDNSSuffix: "api.amazonwebservices.com.cn"},
	{name: "aws", prefix: "", dnsSuffix: "amazonaws.com", dualStackDNSSuffix: "api.aws"},
}

// resolveEndpoint follows the service's endpoint rules (the Smithy model's
// endpointRuleSet): a custom endpoint is used as given and excludes FIPS and
// dual-stack; otherwise the region's partition gives the host, with the FIPS
// and dual-stack variants where the partition has them. Every partition
// supports FIPS; in aws-us-gov the FIPS host is the regular one unless
// dual-stack is on.
func resolveEndpoint(region, custom string, fips, dualStack bool) (string, error) {
	if custom != "" {
		switch {
		case fips:
			return "", errors.New("participant: invalid configuration: FIPS and a custom endpoint cannot be combined; drop WithFIPS or WithEndpoint")
		case dualStack:
			return "", errors.New("participant: invalid configuration: dual-stack and a custom endpoint cannot be combined; drop WithDualStack or WithEndpoint")
		}
		return normalizeEndpoint(custom)
	}
	if !validRegion(region) {
		return "", fmt.Errorf("participant: invalid region %q: use a region name such as \"us-east-1\"", region)
	}
	p := partitions[len(partitions)-1]
	for _, candidate := range partitions {
		if strings.HasPrefix(region, candidate.prefix) {
			p = candidate
			break
		}
	}
	if dualStack && p.dualStackDNSSuffix == "" {
		if fips {
			return "", fmt.Errorf("participant: FIPS and dual-stack are enabled, but partition %s does not support one or both", p.name)
		}
		return "", fmt.Errorf("participant: dual-stack is enabled, but partition %s does not support dual-stack endpoints", p.name)
	}
	host := endpointPrefix
	if fips && (p.name != "aws-us-gov" || dualStack) {
		host += "-fips"
	}
	suffix := p.dnsSuffix
	if dualStack {
		suffix = p.dualStackDNSSuffix
	}
	return "https://" + host + "." + region + "." + suffix + "/", nil
}

// validRegion accepts names like "us-east-1": lower-case letters, digits and
// inner hyphens, so that a region can never change the host's structure.
func validRegion(region string) bool {
	if region == "" || len(region) > 63 || region[0] == '-' || region[len(region)-1] == '-' {
		return false
	}
	for i := 0; i < len(region); i++ {
		c := region[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// normalizeEndpoint checks a custom base URL and returns it with a trailing
// slash, so that the operation path is appended to it rather than replacing
// its last segment. Plain http is accepted only for loopback hosts: the
// connection token must never cross a network in clear text.
func normalizeEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("participant: invalid endpoint: %w", err)
	}
	if u.Host == "" || u.Opaque != "" {
		return "", errors.New("participant: invalid endpoint: want an absolute URL such as https://participant.connect.us-east-1.amazonaws.com")
	}
	if u.User != nil {
		return "", errors.New("participant: invalid endpoint: remove the user information from the URL")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("participant: invalid endpoint: remove the query and fragment from the URL")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("participant: invalid endpoint: plain http is allowed only for loopback hosts, not %q; use https", u.Hostname())
		}
	default:
		return "", fmt.Errorf("participant: invalid endpoint: scheme %q is not supported; use https", u.Scheme)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), nil
}

// isLoopback reports whether host names this machine: "localhost", or an IP
// address in 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
