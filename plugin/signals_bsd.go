//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package plugin

import (
	"os"
	"syscall"
)

// osFatalSignals are the BSDs' own: SIGEMT ends a Go program (the runtime
// throws) unless caught.
func osFatalSignals() []os.Signal { return []os.Signal{syscall.SIGEMT} }
