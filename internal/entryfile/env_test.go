package entryfile

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestWriteEnvSourcedByShell: a shell that sources env output runs nothing
// from a value and gets every value back byte for byte, and so does
// parseEnv. Keys are shell names here; TestWriteEnvKeysAShellCannotSet has
// the others.
func TestWriteEnvSourcedByShell(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "RAN")
	values := map[string][]byte{
		"SUBST":     []byte("$(touch RAN)$(touch " + marker + ")"),
		"BACKTICKS": []byte("`touch RAN` `touch " + marker + "`"),
		"VARS":      []byte("$HOME ${PATH} $0 $$ $1 ~ ~root"),
		"QUOTES":    []byte(`it's "quoted" '' '\'' \' \"`),
		"ONLYQUOTE": []byte("'"),
		"NEWLINES":  []byte("\nline two\n\nline four\n"),
		"BACKSLASH": []byte(`\ \\ \n \t \` + "\\"),
		"CONTROL":   []byte("\r\t\x01\x7f;|&<>(){}*?[!]#"),
		"TRAILING":  []byte("ends with a newline and a quote\n'"),
		"EMPTY":     {},
		"BARE":      []byte("a-b_c.d/e_f@g%h+i,j"),
		// zsh expands "=ls" at the start of a value and after a ":", and
		// "~" after a ":"; "=nosuch" stops the sourcing.
		"ZSH_EQUALS":   []byte("=ls"),
		"ZSH_EQUALS2":  []byte("==nosuchcommand"),
		"ZSH_COLON":    []byte("a:=ls:=nosuchcommand"),
		"ZSH_TILDE":    []byte("a:~:~root"),
		"EQUALS_LATER": []byte("x=ls"),
		"COLONS":       []byte("host:5432"),
		"UNICODE":      []byte("héllo ✓ 🔑"),
	}
	for k, v := range tricky {
		if k != "NUL" && k != "plain-key_" {
			values["TRICKY_"+k] = v
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, values, Env); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file.env"), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Parse(buf.Bytes(), Env)
	if err != nil {
		t.Fatalf("parseEnv reading the output: %v", err)
	}
	sameValues(t, "parseEnv", got, values)

	for _, shell := range sourcingShells(t) {
		t.Run(shell, func(t *testing.T) {
			// set -a exports what the file assigns; env -0 gives every
			// variable back NUL-separated, newlines and all.
			cmd := exec.Command(shell, "-c", "set -a; . ./file.env; set +a; exec env -0")
			cmd.Dir = dir
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent"}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil || stderr.Len() > 0 {
				t.Fatalf("sourcing the file: %v; stderr has %d bytes", err, stderr.Len())
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("sourcing the file ran a command from a value")
			}
			sourced := map[string][]byte{}
			for _, kv := range bytes.Split(out, []byte{0}) {
				name, v, ok := bytes.Cut(kv, []byte("="))
				if _, ours := values[string(name)]; ok && ours {
					sourced[string(name)] = v
				}
			}
			sameValues(t, shell, sourced, values)
		})
	}
}

// sourcingShells are the shells env output is sourced by in tests: sh,
// bash and zsh, which the Makefile's test target installs; a missing one
// fails the test rather than skipping it.
func sourcingShells(t *testing.T) []string {
	t.Helper()
	shells := []string{"sh", "bash", "zsh"}
	for _, shell := range shells {
		if _, err := exec.LookPath(shell); err != nil {
			t.Fatalf("%s is not installed (make zsh installs it): %v", shell, err)
		}
	}
	return shells
}

// sameValues compares values without printing them.
func sameValues(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	var differ []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if v, ok := got[k]; !ok || !bytes.Equal(v, want[k]) {
			differ = append(differ, k)
		}
	}
	if len(differ) > 0 || len(got) != len(want) {
		t.Fatalf("%s: %d of %d keys read back; these differ: %s", what, len(got), len(want), strings.Join(differ, ", "))
	}
}

// TestWriteEnvKeysAShellCannotSet: a key that is not a shell name is
// refused, every such key named and no value printed, and nothing is
// written: bash, sourcing "export db-pass=VALUE", prints the value in its
// error. parseEnv still reads such lines, as older exports wrote them.
func TestWriteEnvKeysAShellCannotSet(t *testing.T) {
	values := map[string][]byte{"A": []byte("1"), "db-pass": []byte("s3cr3t-x"), "9LIVES": []byte("s3cr3t-y z"), "Z": []byte("2")}
	var buf bytes.Buffer
	err := Write(&buf, values, Env)
	if err == nil {
		t.Fatalf("keys that are not shell names were written as env (%d bytes)", buf.Len())
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cr3t") || !strings.Contains(msg, `"9LIVES", "db-pass"`) || !strings.Contains(msg, "-o json") {
		t.Errorf("error %q: want both keys named, -o json suggested and no value", msg)
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes written before the error", buf.Len())
	}
	got, err := Parse([]byte("A=1\nexport 9LIVES='s3cr3t-y z'\nexport db-pass=s3cr3t-x\nZ=2\n"), Env)
	if err != nil {
		t.Fatalf("parseEnv reading export lines: %v", err)
	}
	sameValues(t, "parseEnv", got, values)
}

// TestParseEnvErrorsExactly pins whole messages where fragments let the
// clause mutator's survivors through (issue 23): a refused key reported
// once, the key named after a closing quote, and the edges of quoting.
func TestParseEnvErrorsExactly(t *testing.T) {
	const invalid = `key "a.b" is invalid: expected ^[A-Za-z0-9_-]+$, at most 253 characters`
	const after = `unexpected text after the closing quote: expected the end of the line or a "#" comment`
	for _, tc := range []struct{ name, in, want string }{
		{"export alone", "export\n", `line 1: expected KEY=VALUE, a comment starting with "#", or a blank line (a multi-line value must be quoted)`},
		{"an invalid key twice", "a.b=1\na.b=2\n", "line 1: " + invalid + "; line 2: " + invalid},
		{"a key three times", "A=1\nA=2\nA=3\n", `line 2: key "A": duplicates the key on line 1; line 3: key "A": duplicates the key on line 1`},
		{"text after a quote, valid key", "A=\"x\nx\" tail\n", `line 2: key "A": ` + after},
		{"text after a quote, invalid key", "a.b=\"x\" tail\n", "line 1: " + after},
		{"sh's quote idiom is for single quotes only", `A="x"\''y"`, `line 1: key "A": ` + after},
		{"sh's quote idiom needs its quote", `A='ab\''c'`, `line 1: key "A": ` + after},
		{"a backslash at the end of the input", `A="x\`, `line 1: key "A": the quoted value that starts on this line is not closed`},
	} {
		got, err := Parse([]byte(tc.in), Env)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: Parse = keys %v, %v; want the error %q", tc.name, sortedKeys(got), err, tc.want)
		}
	}
}

// TestWriteEnvQuotesWhatIsNotBare: only letters, digits and _-./@%+, are
// written bare; the bytes just past z and Z ({, |, ~, [, ^, `) and
// non-ASCII are quoted.
func TestWriteEnvQuotesWhatIsNotBare(t *testing.T) {
	var buf bytes.Buffer
	values := map[string][]byte{"A": []byte("aZ09_-./@%+,"), "B": []byte("x~"), "C": []byte("x^"), "D": []byte("x`y"), "E": []byte("é"), "F": []byte("x{|}")}
	if err := Write(&buf, values, Env); err != nil {
		t.Fatal(err)
	}
	if want := "A=aZ09_-./@%+,\nB='x~'\nC='x^'\nD='x`y'\nE='é'\nF='x{|}'\n"; buf.String() != want {
		t.Errorf("Write(env) = %q, want %q", buf.String(), want)
	}
}

func TestWriteEnvNamesAKeyOutsideTheContract(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, map[string][]byte{"a=b": []byte("x")}, Env)
	if want := `key "a=b" is invalid: expected ^[A-Za-z0-9_-]+$, at most 253 characters: it cannot be written as env`; err == nil || err.Error() != want {
		t.Errorf("Write(env) = %v, want %q", err, want)
	}
}
