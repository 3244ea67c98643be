package plugin

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

// fakeTerminal is standard input as a terminal: Reader holds the lines
// typed with echo (a confirmation), password what is typed at a hidden
// prompt.
type fakeTerminal struct {
	io.Reader
	password func() ([]byte, error)
}

func (f *fakeTerminal) ReadPassword() ([]byte, error) {
	if f.password == nil {
		return nil, errors.New("the test typed nothing at a hidden prompt")
	}
	return f.password()
}

// TestAsTerminal: only a terminal device, or an In that says it is one,
// is a terminal; a pipe, a file or a buffer never prompts.
func TestAsTerminal(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	for name, in := range map[string]io.Reader{"pipe": r, "buffer": &bytes.Buffer{}, "file": devNull} {
		if _, ok := asTerminal(in); ok {
			t.Errorf("%s taken for a terminal", name)
		}
	}
	if _, ok := asTerminal(&fakeTerminal{Reader: &bytes.Buffer{}}); !ok {
		t.Error("an In that reads passwords is not taken for a terminal")
	}
}
