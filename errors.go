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
