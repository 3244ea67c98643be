package plugin

import (
	"os"
	"syscall"
)

// fatalSignals are the signals Go delivers on Windows: Ctrl-C and
// Ctrl-Break as os.Interrupt, closing the console window, logging off and
// shutting down as SIGTERM.
func fatalSignals() []os.Signal { return []os.Signal{os.Interrupt, syscall.SIGTERM} }

// renewSignals: Windows has no signal to spare; Enter is the way.
func renewSignals() []os.Signal { return nil }

// ignoreBackgroundReads: Windows consoles do not stop background readers.
func ignoreBackgroundReads() {}
