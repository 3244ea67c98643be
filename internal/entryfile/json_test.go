package entryfile

import (
	"bytes"
	"testing"
)

// TestParseJSONErrorsExactly pins whole messages, not fragments: which
// error a malformed file gets, and that a refused key is reported once and
// not again as a duplicate (issue 23, survivors of the clause mutator).
func TestParseJSONErrorsExactly(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "line 1: invalid JSON: unexpected end of input"},
		{"only spaces", "\n\n", "line 3: invalid JSON: unexpected end of input"},
		{"truncated after a key", "{\"A\": ", "line 1: invalid JSON: unexpected end of input"},
		{"truncated in a string", "{\"A\": \"1", "line 1: invalid JSON: unexpected end of input"},
		{"truncated in a literal", "{\"A\": tru", "line 1: invalid JSON: unexpected end of input"},
		{"a bad value", "{\"A\": ]}", "line 1: invalid JSON syntax (a missing comma, quote or brace?)"},
		{"a bad value in a nested one", "{\"A\": [}]}", "line 1: invalid JSON syntax (a missing comma, quote or brace?)"},
		{"truncated in a nested value", "{\"A\": {\"x\": ", "line 1: invalid JSON: unexpected end of input"},
		{"missing comma", "{\n\"A\": \"1\"\n\"B\": \"2\"}", "line 3: invalid JSON syntax (a missing comma, quote or brace?)"},
		{"not UTF-8", "{\"A\": \"\xff\"}", "the file is not valid UTF-8"},
		{"a number too large for a float", `{"A": 1e999}`, `line 1: key "A": the value is not a string (a number, boolean or null): quote it`},
		{"a nested value, then the same key", "{\"A\": {},\n\"A\": \"x\"}", `line 1: key "A": the value is not a string (an object or array)`},
		{"a number, then the same key", "{\"A\": 1,\n\"A\": \"x\"}", `line 1: key "A": the value is not a string (a number, boolean or null): quote it`},
		{"an invalid key twice", "{\"a/b\": \"1\",\n\"a/b\": \"2\"}", `line 1: key "a/b" is invalid: expected ^[A-Za-z0-9_-]+$, at most 253 characters; line 2: key "a/b" is invalid: expected ^[A-Za-z0-9_-]+$, at most 253 characters`},
		{"a key three times", "{\"A\": \"1\",\n\"A\": \"2\",\n\"A\": \"3\"}", `line 2: key "A": duplicates the key on line 1; line 3: key "A": duplicates the key on line 1`},
		{"objects nested in a value", "{\"A\": {\"x\": {\"y\": \"z\"}},\n\"B\": 1}", `line 1: key "A": the value is not a string (an object or array); line 2: key "B": the value is not a string (a number, boolean or null): quote it`},
		{"arrays nested in a value", "{\"A\": [[\"x\"], {}],\n\"B\": 1}", `line 1: key "A": the value is not a string (an object or array); line 2: key "B": the value is not a string (a number, boolean or null): quote it`},
	} {
		got, err := Parse([]byte(tc.in), JSON)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: Parse = keys %v, %v; want the error %q", tc.name, sortedKeys(got), err, tc.want)
		}
	}
}

func TestParseJSONSkipsAByteOrderMark(t *testing.T) {
	got, err := Parse([]byte("\ufeff{\"A\": \"1\"}"), JSON)
	if err != nil || !bytes.Equal(got["A"], []byte("1")) || len(got) != 1 {
		t.Errorf("Parse = keys %v, %v; want A", sortedKeys(got), err)
	}
}

// TestWriteJSONExactly: two-space indentation, and HTML characters as they
// are (a person reads the file; \u003c would round-trip but not read).
func TestWriteJSONExactly(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, map[string][]byte{"B": []byte("<a & b>"), "A": []byte("1")}, JSON); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"A\": \"1\",\n  \"B\": \"<a & b>\"\n}\n"; buf.String() != want {
		t.Errorf("Write(json) = %q, want %q", buf.String(), want)
	}
}
