package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBlankUnusedImports(t *testing.T) {
	src := []byte("package p\n\nimport (\n\t\"maps\"\n\t\"strings\"\n)\n")
	got, ok := blankUnusedImports(src, []byte("./p.go:4:2: \"maps\" imported and not used\n"))
	if !ok || string(got) != "package p\n\nimport (\n\t_ \"maps\"\n\t\"strings\"\n)\n" {
		t.Errorf("got %q, %v", got, ok)
	}
	if _, ok := blankUnusedImports(src, []byte("./p.go:9:2: undefined: x\n")); ok {
		t.Error("another build error was taken for an unused import")
	}
}

// TestRunJudgesMutants runs the whole tool, with the schema and with a
// build per mutant, on a module of one function whose test checks only
// some of it: what it checks is killed, the rest lives, and removing the
// only use of an import still builds.
func TestRunJudgesMutants(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.22\n",
		"m.go": "package m\n\nimport \"strings\"\n\n" +
			"func Denied(user string, n int) bool {\n\tif n < 0 {\n\t\tn = 0\n\t}\n\treturn strings.HasPrefix(user, \"x\") || n > 3\n}\n",
		"m_test.go": "package m\n\nimport \"testing\"\n\n" +
			"func TestDenied(t *testing.T) {\n\tif !Denied(\"xy\", 0) || Denied(\"a\", 0) {\n\t\tt.Fatal(\"prefix\")\n\t}\n}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	for _, mode := range [][]string{nil, {"-no-schema"}} {
		var out bytes.Buffer
		if err := run(append(mode, "-workers", "2", "-timeout", "30s", "."), &out); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		for _, want := range []string{
			"       LIVED STATEMENT_REMOVAL at m.go:6:2  removed: if n < 0 { n = 0 }",
			"       LIVED CONDITION_NEGATION at m.go:6:5  n < 0 → !(n < 0)", // the test's n is 0: n = 0 changes nothing
			"       LIVED STATEMENT_REMOVAL at m.go:7:3  removed: n = 0",
			"      KILLED CLAUSE_REMOVAL at m.go:9:9  strings.HasPrefix(user, \"x\") → false  (TestDenied)",
			"       LIVED CLAUSE_REMOVAL at m.go:9:41  n > 3 → false",
			"Killed: 1, Lived: 4, Not viable: 0, Timed out: 0",
			"Test efficacy: 20.00%",
			"| m.go | 1 | 4 | 0 | 0 | 20.00% |",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: no line %q in:\n%s", mode, want, out.String())
			}
		}
		if strings.Contains(out.String(), "schema does not build") {
			t.Errorf("%v: the schema did not build:\n%s", mode, out.String())
		}
	}
	// With -run matching no test, nothing is killed.
	var out bytes.Buffer
	if err := run([]string{"-run", "^TestNone$", "-timeout", "30s", "."}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Killed: 0, Lived: 5,") {
		t.Errorf("-run: want every mutant alive:\n%s", out.String())
	}
}

func TestFilesMustMatch(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile("a.go", []byte("package a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"-list", "-files", "nosuch.go", "."}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "nosuch.go") {
		t.Errorf("a -files entry in no package: got %v, want an error naming it", err)
	}
}
