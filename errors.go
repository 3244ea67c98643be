package projsecret

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound: the project or the entry does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: create was asked for an entry that already exists.
	ErrExists = errors.New("already exists")
	// ErrNotProjectSecret: a Secret with the project's name exists but is not
	// labeled as a project Secret; the client will not take it over.
	ErrNotProjectSecret = errors.New("exists but is not labeled as a project secret")
)

var (
	// ErrUnknownRevision: the revision was never recorded, or was pruned.
	ErrUnknownRevision = errors.New("unknown revision")
	// ErrNoHistory: the project has no revision to read.
	ErrNoHistory = errors.New("has no recorded history")
	// ErrNotAtRevision: the key did not exist at the revision asked for.
	ErrNotAtRevision = errors.New("did not exist")
	// ErrValueNotKept: the revision recorded the change but not the value.
	ErrValueNotKept = errors.New("value was too large to keep in history")
)

// ErrAlreadyManaged: adopt was asked for a Secret that is a project
// Secret already.
var ErrAlreadyManaged = errors.New("is already a project secret: there is nothing to adopt")

// Error places a failure on a project and, where there is one, a key. It is
// what every client call returns, so a front end can print one line.
type Error struct {
	Project string
	Key     string
	Err     error
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("project %s: %v", Quote(e.Project), e.Err)
	}
	return fmt.Sprintf("project %s, key %s: %v", Quote(e.Project), Quote(e.Key), e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Violation is a broken rule, phrased for the person who has to fix it. It
// never carries a secret value.
type Violation struct {
	Rule    Rule
	Message string
}

func (v *Violation) Error() string { return v.Message }

func violation(rule Rule, format string, args ...any) *Violation {
	return &Violation{Rule: rule, Message: fmt.Sprintf(format, args...)}
}

// Violations are every rule a Secret breaks, each on its own line.
type Violations []*Violation

// Error joins the messages, one a line, capped at MaxMessageBytes: each
// message bounds the input it quotes, and the cap bounds their number.
func (vs Violations) Error() string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.Message
	}
	return capMessage(lines)
}

// err returns vs as an error, or a nil error when there are none, so callers
// never hold a non-nil interface around an empty list.
func (vs Violations) err() error {
	if len(vs) == 0 {
		return nil
	}
	return vs
}

// asViolation keeps err's own rule when it is a *Violation and files it
// under rule otherwise, so a validator that one day returns a plain error
// still gives a denial with a message, never a panic.
func asViolation(rule Rule, err error) *Violation {
	var v *Violation
	if errors.As(err, &v) {
		return v
	}
	return &Violation{Rule: rule, Message: err.Error()}
}
