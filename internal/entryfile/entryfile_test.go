package entryfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseEnv(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"plain", "A=1\nB=two\n", map[string]string{"A": "1", "B": "two"}},
		{"no final newline", "A=1", map[string]string{"A": "1"}},
		{"blank lines and comments", "\n# a comment\n  # indented comment\n\nA=1\n\n", map[string]string{"A": "1"}},
		{"export prefix", "export A=1\nexport\tB=2\n", map[string]string{"A": "1", "B": "2"}},
		{"key named export", "export=1\n", map[string]string{"export": "1"}},
		{"empty value", "A=\n", map[string]string{"A": ""}},
		{"unquoted is verbatim", "A= spaced # not a comment \n", map[string]string{"A": " spaced # not a comment "}},
		{"first = splits", "A=b=c==\n", map[string]string{"A": "b=c=="}},
		{"CRLF", "A=1\r\nB=\"x\"\r\n", map[string]string{"A": "1", "B": "x"}},
		{"BOM", "\ufeffA=1\n", map[string]string{"A": "1"}},
		{"space around key", "  A  =1\n", map[string]string{"A": "1"}},
		{"single quotes literal", `A='a\nb "c" $d #e'` + "\n", map[string]string{"A": `a\nb "c" $d #e`}},
		{"single quotes span lines", "A='line1\nline2'\nB=2\n", map[string]string{"A": "line1\nline2", "B": "2"}},
		{"a quote in single quotes as sh writes it", `A='it'\''s'` + "\n", map[string]string{"A": "it's"}},
		{"only quotes, sh style", `A=''\'''\'''` + "\n", map[string]string{"A": "''"}},
		{"sh-style quote across lines", "A='a\n'\\''\nb'\n", map[string]string{"A": "a\n'\nb"}},
		{"double quote escapes", `A="a\nb\rc\td\"e\\f"` + "\n", map[string]string{"A": "a\nb\rc\td\"e\\f"}},
		{"double quotes span lines", "A=\"-----BEGIN KEY-----\nMIIB=\n-----END KEY-----\n\"\nB=2\n", map[string]string{"A": "-----BEGIN KEY-----\nMIIB=\n-----END KEY-----\n", "B": "2"}},
		{"double quotes keep # $ = and quotes of the other kind", `A="#x $HOME =y 'z'"`, map[string]string{"A": "#x $HOME =y 'z'"}},
		{"comment after closing quote", `A="x"  # note` + "\n", map[string]string{"A": "x"}},
		{"spaces inside quotes", `A="  both ends  "`, map[string]string{"A": "  both ends  "}},
		{"non-ASCII", "A=\"héllo ✓ 日本\"\nB=ünquoted\n", map[string]string{"A": "héllo ✓ 日本", "B": "ünquoted"}},
		{"empty quoted", `A=""` + "\nB=''\n", map[string]string{"A": "", "B": ""}},
		{"quote not at start is literal", `A=it's "fine"`, map[string]string{"A": `it's "fine"`}},
		{"empty file", "", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in), Env)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !maps.EqualFunc(got, toBytes(tt.want), bytes.Equal) {
				t.Fatalf("got keys %v with values that differ from the expected ones (keys %v)", sortedKeys(got), sortedKeys(toBytes(tt.want)))
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		in     string
		want   []string // substrings of the error
		secret string   // must not appear in the error
	}{
		{"no equals", Env, "A=1\nMIIBsecretbody\n", []string{"line 2:", "expected KEY=VALUE"}, "MIIBsecretbody"},
		{"unclosed double quote", Env, "A=1\nB=\"open\nmore\n", []string{"line 2:", `key "B"`, "not closed"}, "open"},
		{"unclosed single quote", Env, "B='open", []string{"line 1:", "not closed"}, "open"},
		{"unknown escape", Env, `A="a\qb"`, []string{"line 1:", "unknown escape"}, "a\\qb"},
		{"text after quote", Env, "A=\"x\nx\" tail\n", []string{"line 2:", "after the closing quote"}, "tail"},
		{"duplicate", Env, "A=1\n\nA=2\nB=1\nB=2\n", []string{`line 3: key "A": duplicates the key on line 1`, `line 5: key "B": duplicates the key on line 4`}, ""},
		{"invalid keys all listed and named, values not", Env, "a.b=s3cret1\nOK=2\nc d=s3cret3\n9-\x1b=s3cret4\n", []string{`line 1: key "a.b" is invalid: expected ^[A-Za-z0-9_-]+$`, `line 3: key "c d" is invalid`, `line 4: key "9-\x1b" is invalid`}, "s3cret"},
		{"empty key", Env, "=value\n", []string{`line 1: key "" is invalid`}, "value"},
		{"sh-style quote is for single quotes only", Env, `A="it'\''s"`, []string{"line 1:", `key "A"`, "unknown escape"}, ""},
		{"a lone escaped quote after single quotes", Env, `A='it'\'`, []string{"line 1:", "after the closing quote"}, ""},
		{"json not object", JSON, `["a"]`, []string{"expected one JSON object"}, ""},
		{"json number", JSON, "{\n\"A\": \"x\",\n\"B\": 12\n}", []string{`line 3: key "B": the value is not a string`}, ""},
		{"json nested", JSON, `{"A": {"x": "y"}, "C": null}`, []string{`key "A": the value is not a string`, `key "C": the value is not a string`}, ""},
		{"json duplicate", JSON, "{\"A\": \"1\",\n\"A\": \"2\"}", []string{`line 2: key "A": duplicates the key on line 1`}, ""},
		{"json syntax", JSON, "{\n\"A\": \"1\"\n\"B\": \"2\"}", []string{"line 3:", "invalid JSON"}, ""},
		{"json unquoted value", JSON, "{\"A\": Zecret}", []string{"line 1:", "invalid JSON syntax"}, "Z"},
		{"json trailing", JSON, `{"A": "1"} {}`, []string{"after the JSON object"}, ""},
		{"json invalid key", JSON, `{"a/b": "1"}`, []string{`key "a/b" is invalid`}, ""},
		{"json truncated", JSON, `{"A": "1"`, []string{"invalid JSON"}, ""},
		{"yaml duplicate", YAML, "A: x\nB: y\nA: z\n", []string{`line 3: key "A": duplicates the key on line 1`}, ""},
		{"yaml int", YAML, "A: x\nPORT: 8080\n", []string{`line 2: key "PORT": the value is not a string`}, ""},
		{"yaml bool null list map", YAML, "A: yes\nB: true\nC:\nD: [x]\nE: {x: y}\n", []string{`line 2: key "B"`, `line 3: key "C"`, `line 4: key "D"`, `line 5: key "E"`}, ""},
		{"yaml alias", YAML, "A: &x v\nB: *x\n", []string{`line 2: key "B": the value is not a string`}, ""},
		{"yaml merge", YAML, "A: &m {x: y}\n<<: *m\n", []string{"line 1: key \"A\"", "line 2: expected a plain key"}, ""},
		{"yaml not a map", YAML, "- a\n- b\n", []string{"line 1: expected one mapping"}, ""},
		{"yaml two documents", YAML, "A: x\n---\nB: y\n", []string{"second YAML document"}, ""},
		{"yaml empty", YAML, "", []string{"empty"}, ""},
		{"yaml syntax", YAML, "A: \"x\nB: [\n", []string{"invalid YAML"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in), tt.format)
			if err == nil {
				t.Fatalf("parse succeeded with keys %v, expected an error", sortedKeys(got))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error repeats text of the file that may be a value")
			}
			var fe *Error
			var fes Errors
			if !errors.As(err, &fe) && !errors.As(err, &fes) {
				t.Errorf("error is %T, expected *Error or Errors", err)
			}
		})
	}
}

func TestParseJSONAndYAML(t *testing.T) {
	want := map[string][]byte{"A": []byte("x"), "B": []byte("multi\nline"), "C": []byte(""), "D": []byte("yes")}
	for _, tc := range []struct {
		format Format
		in     string
	}{
		{JSON, `{"A": "x", "B": "multi\nline", "C": "", "D": "yes"}`},
		{YAML, "A: x\nB: |-\n  multi\n  line\nC: \"\"\nD: yes\n"},
	} {
		got, err := Parse([]byte(tc.in), tc.format)
		if err != nil {
			t.Fatalf("%s: %v", tc.format, err)
		}
		if !maps.EqualFunc(got, want, bytes.Equal) {
			t.Fatalf("%s: keys %v, or their values, differ from the expected", tc.format, sortedKeys(got))
		}
	}
}

// tricky holds every value the issue names: newlines, both quotes, #, =,
// $, backslashes, spaces at either end, non-ASCII, and more.
var tricky = map[string][]byte{
	"NEWLINES":   []byte("a\nb\n"),
	"CRLF":       []byte("a\r\nb\r"),
	"QUOTES":     []byte(`it's "quoted"`),
	"SINGLE":     []byte("'"),
	"DOUBLE":     []byte(`"`),
	"HASH":       []byte("#not a comment"),
	"EQUALS":     []byte("=a=b="),
	"DOLLAR":     []byte("$HOME ${X} $(id)"),
	"BACKSLASH":  []byte(`C:\path\n\\`),
	"SPACES":     []byte("  lead and trail  "),
	"TAB":        []byte("\ta\t"),
	"NON_ASCII":  []byte("héllo ✓ 日本 🔑"),
	"EMPTY":      []byte(""),
	"YAMLISH":    []byte("no"),
	"NUMBER":     []byte("0123"),
	"NULLISH":    []byte("null"),
	"PEM":        []byte("-----BEGIN KEY-----\nMIIB+/=\n-----END KEY-----\n"),
	"plain-key_": []byte("simple"),
	"NUL":        []byte("a\x00b"),
	"EXPORT":     []byte("export X=1"),
}

func TestRoundTrip(t *testing.T) {
	for _, f := range Formats() {
		tricky := maps.Clone(tricky)
		if f == Env {
			delete(tricky, "NUL")        // refused, see TestWriteEnvRefusesNUL
			delete(tricky, "plain-key_") // refused, see TestWriteEnvKeysAShellCannotSet
		}
		var buf bytes.Buffer
		if err := Write(&buf, tricky, f); err != nil {
			t.Fatalf("%s: write: %v", f, err)
		}
		got, err := Parse(buf.Bytes(), f)
		if err != nil {
			t.Fatalf("%s: reading back what was written: %v", f, err)
		}
		for k, v := range tricky {
			if !bytes.Equal(got[k], v) {
				t.Errorf("%s: key %q reads back as %d bytes that differ from the %d written", f, k, len(got[k]), len(v))
			}
		}
		if len(got) != len(tricky) {
			t.Errorf("%s: %d keys read back, %d written", f, len(got), len(tricky))
		}
	}
}

func TestWriteEnvIsSortedAndReadable(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, map[string][]byte{"B": []byte("two words"), "A": []byte("1"), "C": []byte("x\ny")}, Env); err != nil {
		t.Fatal(err)
	}
	if want := "A=1\nB='two words'\nC='x\ny'\n"; buf.String() != want {
		t.Fatalf("env output differs from the expected %d bytes", len(want))
	}
}

func TestWriteRefusesNonUTF8(t *testing.T) {
	for _, f := range Formats() {
		var buf bytes.Buffer
		err := Write(&buf, map[string][]byte{"OK": []byte("x"), "BIN": {0xff, 0xfe}}, f)
		if err == nil || !strings.Contains(err.Error(), `key "BIN"`) || !strings.Contains(err.Error(), "UTF-8") {
			t.Fatalf("%s: error %v, expected one naming BIN and UTF-8", f, err)
		}
		if buf.Len() != 0 {
			t.Fatalf("%s: %d bytes written before the error", f, buf.Len())
		}
	}
}

func TestWriteEnvRefusesNUL(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, map[string][]byte{"OK": []byte("x"), "NUL": []byte("a\x00s3cret")}, Env)
	if err == nil || !strings.Contains(err.Error(), `key "NUL": the value contains a NUL byte`) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %v, expected one naming NUL and no value", err)
	}
	if buf.Len() != 0 {
		t.Fatalf("%d bytes written before the error", buf.Len())
	}
	for _, f := range []Format{JSON, YAML} {
		if err := Write(&buf, map[string][]byte{"NUL": []byte("a\x00b")}, f); err != nil {
			t.Errorf("%s refuses a NUL byte: %v", f, err)
		}
	}
}

func TestWriteEnvRefusesKeysOutsideTheContract(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, map[string][]byte{"a=b": []byte("x")}, Env); err == nil {
		t.Fatal("a key with '=' was written as env")
	}
}

func TestFormatFor(t *testing.T) {
	for _, tt := range []struct {
		path, explicit string
		want           Format
	}{
		{"x.env", "", Env}, {"x.json", "", JSON}, {"x.yaml", "", YAML}, {"X.YML", "", YAML},
		{"-", "", Env}, {"secrets", "", Env}, {"x.json", "yaml", YAML},
	} {
		if got, err := FormatFor(tt.path, tt.explicit); err != nil || got != tt.want {
			t.Errorf("FormatFor(%q, %q) = %q, %v; want %q", tt.path, tt.explicit, got, err, tt.want)
		}
	}
	if _, err := FormatFor("x", "toml"); err == nil {
		t.Error("format toml accepted")
	}
}

// FuzzRoundTrip: anything Write produces, Parse reads back identically, in
// every format.
func FuzzRoundTrip(f *testing.F) {
	for k, v := range tricky {
		f.Add(k, v, "SECOND", []byte("x"))
	}
	f.Fuzz(func(t *testing.T, k1 string, v1 []byte, k2 string, v2 []byte) {
		values := map[string][]byte{}
		for _, kv := range []struct {
			k string
			v []byte
		}{{k1, v1}, {k2, v2}} {
			values[kv.k] = kv.v
		}
		for _, f := range Formats() {
			var buf bytes.Buffer
			err := Write(&buf, values, f)
			if err != nil {
				continue // non-UTF-8 value, or a key outside the contract for env
			}
			got, err := Parse(buf.Bytes(), f)
			if err != nil {
				// Keys outside the contract are refused on reading.
				var es Errors
				if errors.As(err, &es) && strings.Contains(err.Error(), "invalid") {
					continue
				}
				t.Fatalf("%s: reading back what was written: %v", f, err)
			}
			if !maps.EqualFunc(got, values, bytes.Equal) {
				t.Fatalf("%s: read back keys %v, or their values, differ from those written", f, sortedKeys(got))
			}
		}
	})
}

// FuzzParse: no input makes a parser panic or hang.
func FuzzParse(f *testing.F) {
	f.Add([]byte("A=1\nexport B=\"x\\ny\"\n# c\nC='z'\n"))
	f.Add([]byte(`{"A": "1"}`))
	f.Add([]byte("A: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, f := range Formats() {
			_, _ = Parse(data, f)
		}
	})
}

func toBytes(m map[string]string) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = []byte(v)
	}
	return out
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// errReader fails every read, as a broken pipe would.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestReadNamesItsInput covers Read itself, which the parsers' tests do not
// reach (issue 23, survivors of the clause mutator): a file by its path,
// standard input by name, and each way reading fails, every error naming
// the input.
func TestReadNamesItsInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ok.env")
	if err := os.WriteFile(path, []byte("A=1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The reader must not be read when a path is given.
	got, err := Read(path, Env, errReader{})
	if err != nil || string(got["A"]) != "1" || len(got) != 1 {
		t.Errorf("Read(%s) = keys %v, %v; want A", path, sortedKeys(got), err)
	}
	got, err = Read("-", JSON, strings.NewReader(`{"B": "2"}`))
	if err != nil || string(got["B"]) != "2" || len(got) != 1 {
		t.Errorf("Read(-) = keys %v, %v; want B", sortedKeys(got), err)
	}
	missing := filepath.Join(dir, "missing.env")
	big := strings.NewReader(strings.Repeat("#", MaxFileBytes+1))
	for _, tc := range []struct {
		name, path string
		f          Format
		in         io.Reader
		want       string // the error's start, or all of it
		wantIs     error
	}{
		{"missing file", missing, Env, strings.NewReader("A=1"), "reading " + missing + ": open ", fs.ErrNotExist},
		{"read error", "-", Env, errReader{}, "reading standard input: broken pipe", nil},
		{"too large", "-", Env, big, fmt.Sprintf("standard input is larger than %d bytes, more than a project secret can hold", MaxFileBytes), nil},
		{"syntax error", "-", JSON, strings.NewReader(`{"A": 1}`), `standard input (json): line 1: key "A": the value is not a string (a number, boolean or null): quote it`, nil},
		{"syntax error in a file", path, YAML, nil, path + " (yaml): line 1: expected one mapping of string values", nil},
	} {
		_, err := Read(tc.path, tc.f, tc.in)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: Read = %v, want an error starting %q", tc.name, err, tc.want)
		}
		if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
			t.Errorf("%s: Read = %v, want it to wrap %v", tc.name, err, tc.wantIs)
		}
	}
	// Exactly MaxFileBytes is read.
	if got, err := Read("-", Env, strings.NewReader(strings.Repeat("#", MaxFileBytes))); err != nil || len(got) != 0 {
		t.Errorf("Read of exactly %d bytes of comments = %d keys, %v; want none and no error", MaxFileBytes, len(got), err)
	}
}

func TestWriteRefusesAnUnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, map[string][]byte{"A": []byte("1")}, Format("toml"))
	if want := `format "toml" is not known: expected env, json or yaml`; err == nil || err.Error() != want {
		t.Errorf("Write(toml) = %v, want %q", err, want)
	}
	if buf.Len() != 0 {
		t.Errorf("Write(toml) wrote %d bytes, want none", buf.Len())
	}
}
