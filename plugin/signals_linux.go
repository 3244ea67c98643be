package plugin

import (
	"os"
	"syscall"
)

// osFatalSignals are Linux's own: SIGSTKFLT ends a Go program (the runtime
// throws) unless caught.
func osFatalSignals() []os.Signal { return []os.Signal{syscall.SIGSTKFLT} }
