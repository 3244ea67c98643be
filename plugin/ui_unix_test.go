//go:build !windows

package plugin

import (
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestUINewURLOnSIGUSR1: without a terminal, SIGUSR1 prints a new URL.
// Not parallel: the signal goes to the whole test process.
func TestUINewURLOnSIGUSR1(t *testing.T) {
	r := startUI(t, strings.NewReader(""))
	first := r.next(t)
	if opens(t, first) != http.StatusSeeOther {
		t.Fatal("the printed URL did not open a session")
	}
	if strings.Contains(r.errOut.String(), "press Enter") || !strings.Contains(r.errOut.String(), "send it SIGUSR1 (kill -USR1 ") {
		t.Errorf("stderr %q: want the signal as the only way to a new URL", r.errOut)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if second := r.next(t); opens(t, second) != http.StatusSeeOther || opens(t, first) != http.StatusForbidden {
		t.Error("after SIGUSR1: want the new URL to open a session and the first to stay spent")
	}
}
