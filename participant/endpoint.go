package participant

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// endpointForRegion returns the service's base URL in region, following the
// partitions of the service's endpoint rules: China regions use the
// amazonaws.com.cn suffix, the isolated regions their own, everything else
// amazonaws.com.
func endpointForRegion(region string) (string, error) {
	if !validRegion(region) {
		return "", fmt.Errorf("participant: invalid region %q: use a region name such as \"us-east-1\"", region)
	}
	suffix := "amazonaws.com"
	switch {
	case strings.HasPrefix(region, "cn-"):
		suffix = "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-isob-"):
		suffix = "sc2s.sgov.gov"
	case strings.HasPrefix(region, "us-iso-"):
		suffix = "c2s.ic.gov"
	}
	return "https://participant.connect." + region + "." + suffix + "/", nil
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
