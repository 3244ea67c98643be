package plugin

import (
	"os"
	"slices"
	"syscall"
	"testing"
)

// TestFatalSignalsLinux: SIGSTKFLT ends a Go program with a stack dump
// unless caught, so edit catches it to remove its file.
func TestFatalSignalsLinux(t *testing.T) {
	if !slices.Contains(fatalSignals(), os.Signal(syscall.SIGSTKFLT)) {
		t.Error("SIGSTKFLT is not among the caught signals")
	}
}
