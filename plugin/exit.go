package plugin

import (
	"errors"
	"strconv"

	"github.com/spf13/cobra"
)

// exitError makes the process exit with code instead of 1. A nil err exits
// silently (diff's "they differ" is an answer, not a failure); otherwise
// err is printed as any error is. Commands whose exit status carries
// meaning (diff, and commands that pass on a child's status) return it.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// errorExitCodeAnnotation, on a command, is the exit code for its errors
// that carry no exitError, usage errors included: diff(1) and kubectl diff
// exit 1 for "they differ", so their failures must exit with more.
const errorExitCodeAnnotation = "projsecret.io/error-exit-code"

// exitCode is the status for err from cmd, and whether err has a message
// to print.
func exitCode(cmd *cobra.Command, err error) (code int, hasMessage bool) {
	var e *exitError
	if errors.As(err, &e) {
		return e.code, e.err != nil
	}
	if cmd != nil {
		if code, err := strconv.Atoi(cmd.Annotations[errorExitCodeAnnotation]); err == nil && code > 0 {
			return code, true
		}
	}
	return 1, true
}
