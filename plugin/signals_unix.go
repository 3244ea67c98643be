//go:build !windows

package plugin

import (
	"os"
	"os/signal"
	"syscall"
)

// fatalSignals are the signals whose default action ends the process and
// that a Go program can catch: all but SIGKILL and SIGSTOP, which no program
// can, SIGPROF, which the Go runtime keeps for profiling, and SIGPIPE, which
// a write to any closed connection raises once it is caught (a broken
// keep-alive connection must not end an edit). SIGBUS, SIGFPE, SIGILL and
// SIGSEGV are caught only when sent by kill; a real fault still panics.
func fatalSignals() []os.Signal {
	return append([]os.Signal{
		syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM,
		syscall.SIGABRT, syscall.SIGALRM, syscall.SIGUSR1, syscall.SIGUSR2,
		syscall.SIGTRAP, syscall.SIGSYS, syscall.SIGXCPU, syscall.SIGXFSZ, syscall.SIGVTALRM,
		syscall.SIGBUS, syscall.SIGFPE, syscall.SIGILL, syscall.SIGSEGV,
	}, osFatalSignals()...)
}

// renewSignals ask kubectl projsecret ui for a new URL.
func renewSignals() []os.Signal { return []os.Signal{syscall.SIGUSR1} }

// ignoreBackgroundReads makes a read of the terminal by a process in the
// background (kubectl projsecret ui &) fail with EIO instead of stopping
// the process with SIGTTIN, which would stop the console too.
func ignoreBackgroundReads() { signal.Ignore(syscall.SIGTTIN) }
