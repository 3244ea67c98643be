// Package entryfile reads and writes a project's values as a file: a .env
// file (Docker's --env-file and kubectl's --from-env-file syntax, plus
// quoting), or a JSON or YAML object of strings. What Write produces, Parse
// reads back byte for byte; that round trip is what import and export, and
// diff -f, rely on.
//
// Errors name line numbers and keys, never values.
package entryfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// Format is a file syntax.
type Format string

const (
	Env  = Format("env")
	JSON = Format("json")
	YAML = Format("yaml")
)

// Formats returns the accepted --format / -o values, in help order.
func Formats() []Format { return []Format{Env, JSON, YAML} }

// MaxFileBytes bounds what Read accepts. A project Secret holds at most
// 1 MiB of values; escapes (\uXXXX in JSON) can make the file several times
// larger, but not more than this.
const MaxFileBytes = 8 << 20

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats() {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("format %q is not known: expected env, json or yaml", s)
}

// FormatFor chooses the format of path: explicit if given, else from the
// extension (.env, .json, .yaml, .yml), else env.
func FormatFor(path, explicit string) (Format, error) {
	if explicit != "" {
		return ParseFormat(explicit)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return JSON, nil
	case ".yaml", ".yml":
		return YAML, nil
	}
	return Env, nil
}

// Error is a problem at a place in a file. Line is 0 when the problem is not
// on one line (an empty document, say).
type Error struct {
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, "key %q: ", e.Key)
	}
	b.WriteString(e.Msg)
	return b.String()
}

func errorf(line int, key, format string, args ...any) *Error {
	return &Error{Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Read reads path ("-" for in) in format f. Errors start with the file's
// name.
func Read(path string, f Format, in io.Reader) (map[string][]byte, error) {
	name := path
	if path == "-" {
		name = "standard input"
	} else {
		file, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		defer file.Close()
		in = file
	}
	data, err := io.ReadAll(io.LimitReader(in, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes, more than a project secret can hold", name, MaxFileBytes)
	}
	values, err := Parse(data, f)
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %w", name, f, err)
	}
	return values, nil
}

// Parse reads data in format f into keys and values. Duplicate keys, values
// that are not strings and syntax errors are errors; keys are not checked
// against the contract (the caller does, to list every invalid key at once).
func Parse(data []byte, f Format) (map[string][]byte, error) {
	switch f {
	case Env:
		return parseEnv(data)
	case JSON:
		return parseJSON(data)
	case YAML:
		return parseYAML(data)
	}
	return nil, fmt.Errorf("format %q is not known: expected env, json or yaml", f)
}

// Write writes values in format f, sorted by key. It fails, writing
// nothing, if a value is not valid UTF-8 (no format here can carry it) or,
// for env, a key cannot be written as one.
func Write(w io.Writer, values map[string][]byte, f Format) error {
	keys := make([]string, 0, len(values))
	for k, v := range values {
		if !utf8.Valid(v) {
			return errorf(0, k, "the value is not valid UTF-8 and cannot be written as %s", f)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	var err error
	switch f {
	case Env:
		err = writeEnv(&buf, keys, values)
	case JSON:
		err = writeJSON(&buf, keys, values)
	case YAML:
		err = writeYAML(&buf, keys, values)
	default:
		err = fmt.Errorf("format %q is not known: expected env, json or yaml", f)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}
