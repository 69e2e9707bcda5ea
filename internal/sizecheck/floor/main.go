// Command floor exists to measure binary size: it is the smallest program
// that sends one SendMessage, written by hand with net/http, google/uuid and
// encoding/json (as floorCall in participant/bench_test.go). scripts/bench.sh
// builds it beside ../client and compares their sizes, so that the cost of
// the participant package in a user's binary is known.
//
// Usage:
//
//	PARTICIPANT_CONNECTION_TOKEN=... floor ENDPOINT
//
// ENDPOINT is the service's base URL, e.g. http://127.0.0.1:8080 for the fake
// (go run ./cmd/participant fake); the program posts to ENDPOINT/participant/message.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"github.com/google/uuid"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: PARTICIPANT_CONNECTION_TOKEN=... floor ENDPOINT")
		os.Exit(2)
	}
	body := []byte(`{"ClientToken":"` + uuid.NewString() + `","Content":"Hello","ContentType":"text/plain"}`)
	req, err := http.NewRequest(http.MethodPost, os.Args[1]+"/participant/message", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(2)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Bearer", os.Getenv("PARTICIPANT_CONNECTION_TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(3)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "floor: the service answered", resp.Status)
		os.Exit(1)
	}
	var out struct{ Id, AbsoluteTime string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		fmt.Fprintln(os.Stderr, "floor: decoding the answer:", err)
		os.Exit(1)
	}
	fmt.Println(out.Id, out.AbsoluteTime)
}
