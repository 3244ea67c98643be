package webhook

import (
	"bytes"
	"reflect"
	"unsafe"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// readStringMap reads a Secret's labels and annotations. It is JSON v2's
// map decoding, less a copy: v2 unquotes an escaped string into a buffer
// and then copies that into the string, and the entries annotation, which
// is JSON inside JSON and escaped throughout, is the largest string of a
// review. Anything but an object or null is left to v2, to report.
func readStringMap(dec *jsontext.Decoder, m *map[string]string) error {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		*m = nil
		return err
	case '{':
	default:
		return jsonv2.SkipFunc
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	if *m == nil {
		*m = map[string]string{}
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		key := tok.String()
		switch k := dec.PeekKind(); k {
		case '"', 'n':
		case 0:
			_, err := dec.ReadToken()
			return err
		default:
			return &jsonv2.SemanticError{JSONPointer: dec.StackPointer(), JSONKind: k, GoType: reflect.TypeFor[string]()}
		}
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		(*m)[key], err = unquote(v)
		if err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// unquote is a JSON string's value ("" for null) in one allocation.
func unquote(v jsontext.Value) (string, error) {
	if v.Kind() == 'n' {
		return "", nil
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	b, err := jsontext.AppendUnquote(make([]byte, 0, len(v)), v)
	if err != nil || len(b) == 0 {
		return "", err
	}
	// b is new and goes nowhere else, so it is never written again.
	return unsafe.String(unsafe.SliceData(b), len(b)), nil
}
