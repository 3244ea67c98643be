package entryfile

import (
	"bytes"
	"testing"
)

// TestParseYAMLErrorsExactly pins whole messages: that a refused key is
// reported once, with the reason that applies first, and not again as a
// duplicate or as an invalid key (issue 23, survivors of the clause
// mutator).
func TestParseYAMLErrorsExactly(t *testing.T) {
	const invalid = `key "a/b" is invalid: expected ^[A-Za-z0-9_-]+$, at most 253 characters`
	for _, tc := range []struct{ name, in, want string }{
		{"a complex key", "? [a]\n: x\n", "line 1: expected a plain key (no merge keys, aliases or complex keys)"},
		{"a merge key", "A: &m {x: y}\n<<: *m\n", `line 1: key "A": the value is not a string: quote it (aliases, null, numbers, booleans, lists and maps are refused); line 2: expected a plain key (no merge keys, aliases or complex keys)`},
		{"a sequence tagged as a string", "A: !!str [x]\n", `line 1: key "A": the value is not a string: quote it (aliases, null, numbers, booleans, lists and maps are refused)`},
		{"a number, then the same key", "A: 1\nA: x\n", `line 1: key "A": the value is not a string: quote it (aliases, null, numbers, booleans, lists and maps are refused)`},
		{"an invalid key", "a/b: x\n", "line 1: " + invalid},
		{"an invalid key twice", "a/b: x\na/b: y\n", "line 1: " + invalid + "; line 2: " + invalid},
		{"a key three times", "A: x\nA: y\nA: z\n", `line 2: key "A": duplicates the key on line 1; line 3: key "A": duplicates the key on line 1`},
	} {
		got, err := Parse([]byte(tc.in), YAML)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: Parse = keys %v, %v; want the error %q", tc.name, sortedKeys(got), err, tc.want)
		}
	}
}

// TestWriteYAMLExactly: an empty mapping as {}, which reads back as no
// keys (an empty block mapping would be an empty document, which Parse
// refuses).
func TestWriteYAMLExactly(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, map[string][]byte{}, YAML); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "{}\n" {
		t.Errorf("Write(yaml) of no keys = %q, want %q", buf.String(), "{}\n")
	}
	if got, err := Parse(buf.Bytes(), YAML); err != nil || len(got) != 0 {
		t.Errorf("Parse of %q = keys %v, %v; want none", buf.String(), sortedKeys(got), err)
	}
}
