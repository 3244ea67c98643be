package plugin

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/projsecret/projsecret"
)

// binaryValue has what a careless front end would lose: a NUL, invalid
// UTF-8, surrounding spaces and a trailing newline.
const binaryValue = " pa\x00ss\xff\nword \n"

func TestCreateValueSources(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "value")
	if err := os.WriteFile(file, []byte(binaryValue), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{name: "from file", args: []string{"--from-file", file}, want: binaryValue},
		{name: "stdin flag", args: []string{"--stdin"}, stdin: binaryValue, want: binaryValue},
		{name: "literal", args: []string{"--from-literal=lit eral\n"}, want: "lit eral\n"},
		{name: "empty literal", args: []string{"--from-literal=", "--allow-empty"}, want: ""},
		{name: "empty file", args: []string{"--from-file=" + empty, "--allow-empty"}, want: ""},
		{name: "empty stdin", args: []string{"--stdin", "--allow-empty"}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			r := h.run(t, tt.stdin, append([]string{"create", "web", "API_KEY"}, tt.args...)...).ok(t)
			if got := string(h.value(t, "web", "API_KEY")); got != tt.want {
				t.Errorf("stored a %d-byte value, want the %d-byte one given (values not printed)", len(got), len(tt.want))
			}
			if r.stdout != "project \"web\", key \"API_KEY\": created\nproject \"web\": created, owned by user:alice; to add a team: kubectl projsecret owners web user:alice group:TEAM\n" {
				t.Errorf("stdout %q", r.stdout)
			}
			if r.stderr != "" {
				t.Errorf("stderr %q, want nothing", r.stderr)
			}
		})
	}
}

func TestValueSourceErrors(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "value")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{name: "file and stdin", args: []string{"--from-file", file, "--stdin"}, want: "--from-file and --stdin both give the value: expected at most one of --from-file, --stdin, --from-literal"},
		{name: "stdin and literal", args: []string{"--stdin", "--from-literal=x"}, want: "--stdin and --from-literal both give the value"},
		{name: "file and empty literal", args: []string{"--from-file", file, "--from-literal="}, want: "--from-file and --from-literal both give the value"},
		{name: "empty file path", args: []string{"--from-file="}, want: "--from-file needs a path"},
		// Issue 10, item 5: a script that forgot --stdin writes nothing.
		{name: "no source and no terminal", stdin: "", want: `no value given and standard input is not a terminal, nothing was written: expected --stdin, --from-file or --from-literal`},
		{name: "no source, piped value, no terminal", stdin: "piped", want: `expected --stdin, --from-file or --from-literal`},
		{name: "empty stdin without --allow-empty", args: []string{"--stdin"}, want: `the value is empty, nothing was written: pass --allow-empty`},
		{name: "empty literal without --allow-empty", args: []string{"--from-literal="}, want: `the value is empty, nothing was written: pass --allow-empty`},
		{name: "missing file", args: []string{"--from-file", file + ".missing"}, want: `project "web", key "K": reading the value: open ` + file + ".missing: no such file or directory"},
		{name: "too large", args: []string{"--stdin"}, stdin: strings.Repeat("x", projsecret.MaxSecretDataBytes+1), want: `project "web", key "K": the value from standard input is larger than 1048576 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, verb := range []string{"create", "set"} {
				h := newHarness(t)
				h.run(t, tt.stdin, append([]string{verb, "web", "K"}, tt.args...)...).fails(t, tt.want)
				if n := len(h.cs.Actions()); n != 0 {
					t.Errorf("%s: %d API calls after a rejected value, want none", verb, n)
				}
			}
		})
	}
}

func TestPrompt(t *testing.T) {
	t.Parallel()
	t.Run("typed value", func(t *testing.T) {
		tty := &fakeTerminal{Reader: strings.NewReader("stdin is ignored"), password: func() ([]byte, error) {
			return []byte("typed secret"), nil
		}}
		h := newHarness(t)
		r := h.runOn(t, tty, "create", "web", "K").ok(t)
		if got := string(h.value(t, "web", "K")); got != "typed secret" {
			t.Errorf("stored a %d-byte value, not the one given (values not printed)", len(got))
		}
		if r.stderr != "Value for project \"web\", key \"K\" (input hidden): \n" {
			t.Errorf("prompt %q", r.stderr)
		}
	})
	t.Run("flags win over the terminal", func(t *testing.T) {
		tty := &fakeTerminal{Reader: strings.NewReader("piped"), password: func() ([]byte, error) {
			t.Error("prompted although --stdin was given")
			return nil, nil
		}}
		h := newHarness(t)
		h.runOn(t, tty, "set", "web", "K", "--stdin", "--create").ok(t)
		if got := string(h.value(t, "web", "K")); got != "piped" {
			t.Errorf("stored a %d-byte value, not the one given (values not printed)", len(got))
		}
	})
	t.Run("terminal error", func(t *testing.T) {
		tty := &fakeTerminal{Reader: strings.NewReader(""), password: func() ([]byte, error) { return nil, errors.New("input ended") }}
		h := newHarness(t)
		r := h.runOn(t, tty, "create", "web", "K")
		want := "Value for project \"web\", key \"K\" (input hidden): \n" +
			"error: project \"web\", key \"K\": reading the value from the terminal: input ended\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("exit %d, stderr %q, want 1 and %q", r.code, r.stderr, want)
		}
	})
}

func TestReadIsByteExact(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "BIN", value: binaryValue}, seedEntry{key: "EMPTY"}))
	r := h.run(t, "", "read", "web", "BIN").ok(t)
	if !bytes.Equal([]byte(r.stdout), []byte(binaryValue)) {
		t.Errorf("read printed %q, want %q", r.stdout, binaryValue)
	}
	if r.stderr != "" {
		t.Errorf("stderr %q", r.stderr)
	}
	if r := h.run(t, "", "read", "web", "EMPTY").ok(t); r.stdout != "" {
		t.Errorf("empty value printed as %q", r.stdout)
	}
	h.run(t, "", "read", "web", "NOPE").fails(t, `error: project "web", key "NOPE": not found`)
	h.run(t, "", "read", "nope", "BIN").fails(t, `error: project "nope": not found in namespace "team-a"`)
}

func TestRoundTripThroughCreateAndRead(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.run(t, binaryValue, "create", "web", "K", "--stdin").ok(t)
	if r := h.run(t, "", "read", "web", "K").ok(t); r.stdout != binaryValue {
		t.Errorf("read back %q, want %q", r.stdout, binaryValue)
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	t.Run("keeps metadata, records the writer", func(t *testing.T) {
		h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: "old", description: "the key", labels: map[string]string{"env": "prod"}}))
		h.user = "dave"
		r := h.run(t, "new", "set", "web", "K", "--stdin").ok(t)
		if r.stdout != "project \"web\", key \"K\": value set\n" {
			t.Errorf("stdout %q", r.stdout)
		}
		if got := string(h.value(t, "web", "K")); got != "new" {
			t.Errorf("stored a %d-byte value, not the one given (values not printed)", len(got))
		}
		e := h.entry(t, "web", "K")
		if e.Description != "the key" || e.Labels["env"] != "prod" || e.CreatedBy != "carol" || !e.CreatedAt.Equal(t0.Add(-49*3600e9)) {
			t.Errorf("metadata not kept: %+v", e)
		}
		if e.UpdatedBy != "dave" || !e.UpdatedAt.After(t0) {
			t.Errorf("update not recorded: %+v", e)
		}
	})
	t.Run("absent without --create", func(t *testing.T) {
		h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: "v"}))
		h.run(t, "x", "set", "web", "OTHER", "--stdin").fails(t, `error: project "web", key "OTHER": not found (use create, or set --create)`)
	})
	t.Run("upsert with --create", func(t *testing.T) {
		h := newHarness(t)
		h.run(t, "x", "set", "web", "NEW", "--create", "--stdin").ok(t)
		if e := h.entry(t, "web", "NEW"); e.CreatedBy != "alice" || e.UpdatedBy != "alice" {
			t.Errorf("new entry metadata %+v", e)
		}
	})
}

func TestCreate(t *testing.T) {
	t.Parallel()
	t.Run("metadata from flags", func(t *testing.T) {
		h := newHarness(t)
		h.run(t, "v", "create", "web", "K", "--stdin", "--description", "db password", "--label", "env=prod", "--label", "tier=db").ok(t)
		e := h.entry(t, "web", "K")
		if e.Description != "db password" || len(e.Labels) != 2 || e.Labels["env"] != "prod" || e.Labels["tier"] != "db" {
			t.Errorf("metadata %+v", e)
		}
		if e.CreatedBy != "alice" || e.Size != 1 {
			t.Errorf("creation facts %+v", e)
		}
		s := h.secret(t, "web")
		if s.Labels[projsecret.LabelProject] != "web" {
			t.Errorf("secret labels %v", s.Labels)
		}
	})
	t.Run("exists", func(t *testing.T) {
		h := newHarness(t, seeded(t, ns, "web", seedEntry{key: "K", value: "v"}))
		h.run(t, "other", "create", "web", "K", "--stdin").fails(t, `error: project "web", key "K": already exists`)
		if got := string(h.value(t, "web", "K")); got != "v" {
			t.Errorf("value changed to %q", got)
		}
	})
	t.Run("invalid key", func(t *testing.T) {
		h := newHarness(t)
		h.run(t, "v", "create", "web", "bad.key", "--stdin").fails(t, `error: project "web", key "bad.key": key "bad.key" is invalid: expected ^[A-Za-z0-9_-]+$`)
	})
	t.Run("invalid project", func(t *testing.T) {
		h := newHarness(t)
		h.run(t, "v", "create", "Web", "K", "--stdin").fails(t, `project name "Web" is invalid`)
	})
}

// TestValueAtTheLimitIsRead: readLimited refuses only what is larger than
// a project Secret can hold, so a value of exactly the limit reaches the
// client, which stores it in an empty project (the contract's size check
// is on the total and allows it).
func TestValueAtTheLimitIsRead(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.run(t, strings.Repeat("x", projsecret.MaxSecretDataBytes), "create", "web", "K", "--stdin").ok(t)
	if n := len(h.value(t, "web", "K")); n != projsecret.MaxSecretDataBytes {
		t.Errorf("stored %d bytes, want %d", n, projsecret.MaxSecretDataBytes)
	}
}

// TestReadLimitedReportsReadErrors: a read that fails midway is an error,
// never a shorter value.
func TestReadLimitedReportsReadErrors(t *testing.T) {
	t.Parallel()
	r := io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(errors.New("pipe broke")))
	value, err := readLimited(r, "standard input")
	if err == nil || err.Error() != "reading the value from standard input: pipe broke" || value != nil {
		t.Errorf("got a %d-byte value and %v, want no value and the read error", len(value), err)
	}
}
