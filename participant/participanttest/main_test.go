package participanttest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if any test leaves a goroutine behind: Close must
// stop everything the server started.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
