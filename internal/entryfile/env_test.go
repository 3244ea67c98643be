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
		"BARE":      []byte("a-b_c.d/e:f@g%h+i,j=k"),
		"UNICODE":   []byte("héllo ✓ 🔑"),
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

	shells := []string{"sh"}
	if _, err := exec.LookPath("bash"); err == nil {
		shells = append(shells, "bash")
	}
	for _, shell := range shells {
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

// TestWriteEnvKeysAShellCannotSet: a key that is not a shell name never
// makes sh look up a command named after its line (a program by that name
// is on PATH here, waiting): sh refuses the line instead, and parseEnv
// still reads every key.
func TestWriteEnvKeysAShellCannotSet(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "RAN")
	values := map[string][]byte{"A": []byte("1"), "db-pass": []byte("x"), "9LIVES": []byte("y z"), "Z": []byte("2")}
	for _, name := range []string{"db-pass=x", "9LIVES=y z", "export"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\ntouch "+marker+"\n"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, values, Env); err != nil {
		t.Fatal(err)
	}
	if want := "A=1\nZ=2\nexport 9LIVES='y z'\nexport db-pass=x\n"; buf.String() != want {
		t.Fatalf("env output differs from the expected %d bytes", len(want))
	}
	got, err := Parse(buf.Bytes(), Env)
	if err != nil {
		t.Fatalf("parseEnv reading the output: %v", err)
	}
	sameValues(t, "parseEnv", got, values)
	if err := os.WriteFile(filepath.Join(dir, "file.env"), buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, shell := range []string{"sh", "bash"} {
		if _, err := exec.LookPath(shell); err != nil {
			continue
		}
		cmd := exec.Command(shell, "-c", ". ./file.env")
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + dir + string(os.PathListSeparator) + os.Getenv("PATH")}
		out, _ := cmd.CombinedOutput()
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%s ran a command named after a line of the file", shell)
		}
		if !bytes.Contains(out, []byte("9LIVES")) {
			t.Errorf("%s did not refuse the line of 9LIVES (%d bytes of output)", shell, len(out))
		}
	}
}
