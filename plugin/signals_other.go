//go:build !windows && !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package plugin

import "os"

// osFatalSignals: no system-specific signal is added here.
func osFatalSignals() []os.Signal { return nil }
