package plugin

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// terminal is standard input when it is a terminal: besides reading lines,
// it reads one without echo. It is the plugin's one seam to the user's
// keyboard: commands ask asTerminal about the In of their IOStreams, and
// tests play a user at a terminal by passing an In that implements it.
type terminal interface {
	io.Reader
	ReadPassword() ([]byte, error)
}

// asTerminal returns in as a terminal, if it is one.
func asTerminal(in io.Reader) (terminal, bool) {
	switch in := in.(type) {
	case terminal:
		return in, true
	case *os.File:
		if term.IsTerminal(int(in.Fd())) {
			return tty{in}, true
		}
	}
	return nil, false
}

// tty is a terminal device, standard input as a shell gives it.
type tty struct{ *os.File }

// ReadPassword is term.ReadPassword, except that Ctrl-C during the prompt
// gives the terminal its echo back before the process ends.
func (t tty) ReadPassword() ([]byte, error) {
	fd := int(t.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return nil, err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	defer func() {
		signal.Stop(sig)
		close(done)
	}()
	go func() {
		select {
		case <-sig:
			_ = term.Restore(fd, state)
			fmt.Fprintln(os.Stderr, "\nerror: interrupted")
			os.Exit(1)
		case <-done:
		}
	}()
	value, err := term.ReadPassword(fd)
	if errors.Is(err, io.EOF) {
		return nil, errors.New("input ended before a value was entered (press Enter on an empty line for an empty value)")
	}
	return value, err
}
