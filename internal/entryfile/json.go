package entryfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/projsecret/projsecret"
)

// parseJSON reads one object of string values, walking its tokens itself:
// encoding/json would silently keep the last of two equal keys.
func parseJSON(data []byte) (map[string][]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, errorf(0, "", "the file is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	lineAt := func(offset int64) int { return 1 + bytes.Count(data[:min(int(offset), len(data))], []byte("\n")) }
	syntax := func(err error) error {
		// encoding/json's message quotes the offending character, which
		// may be part of a value: only the place is reported.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return errorf(lineAt(se.Offset), "", "invalid JSON syntax (a missing comma, quote or brace?)")
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return errorf(lineAt(int64(len(data))), "", "invalid JSON: unexpected end of input")
		}
		return errorf(lineAt(dec.InputOffset()), "", "invalid JSON syntax")
	}

	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errorf(lineAt(dec.InputOffset()), "", "expected one JSON object of string values")
	}
	values := map[string][]byte{}
	seen := map[string]int{}
	var keyErrs Errors
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		key := tok.(string) // inside an object, More means a key comes
		line := lineAt(dec.InputOffset())
		tok, err = dec.Token()
		if err != nil {
			return nil, syntax(err)
		}
		var value string
		switch v := tok.(type) {
		case string:
			value = v
		case json.Delim:
			// Skip the nested value so the walk can go on and the error
			// names this key, not a syntax error inside it.
			if err := skip(dec); err != nil {
				return nil, syntax(err)
			}
			keyErrs = append(keyErrs, errorf(line, key, "the value is not a string (an object or array)"))
			continue
		default:
			keyErrs = append(keyErrs, errorf(line, key, "the value is not a string (a number, boolean or null): quote it"))
			continue
		}
		if err := projsecret.ValidateKey(key); err != nil {
			keyErrs = append(keyErrs, errorf(line, "", "%v", err))
			continue
		}
		if first, dup := seen[key]; dup {
			keyErrs = append(keyErrs, errorf(line, key, "duplicates the key on line %d", first))
			continue
		}
		seen[key] = line
		values[key] = []byte(value)
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, syntax(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errorf(lineAt(dec.InputOffset()), "", "unexpected data after the JSON object: expected one object")
	}
	if len(keyErrs) > 0 {
		return nil, keyErrs
	}
	return values, nil
}

// skip consumes the rest of an object or array whose opening delimiter was
// just read.
func skip(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// writeJSON writes an indented object; encoding/json writes map keys
// sorted and every valid UTF-8 string exactly.
func writeJSON(buf *bytes.Buffer, _ []string, values map[string][]byte) error {
	m := make(map[string]string, len(values))
	for k, v := range values {
		m[k] = string(v)
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}
