package webhook

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"sync"
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
		if k := dec.PeekKind(); k != '"' && k != 'n' {
			return wrongKind(dec, k, typeString)
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
	if err != nil {
		return "", err
	}
	// b is new and goes nowhere else, so it is never written again.
	return unsafe.String(unsafe.SliceData(b), len(b)), nil
}

// readBytesMap reads a Secret's data as JSON v2 reads a map[string][]byte
// (values in base64 as RFC 4648 has it: padded, no line breaks; null for
// nil; the last of duplicate names counting), less the map's growth: v2
// inserts as it reads, and a map grown one entry at a time allocates about
// twice its final size, so the pairs are gathered first and the map made
// at its size. Anything but an object or null is left to v2, to report.
func readBytesMap(dec *jsontext.Decoder, m *map[string][]byte) error {
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
	scratch := bytesPairs.Get().(*[]bytesPair)
	pairs := (*scratch)[:0]
	defer func() {
		*scratch = pairs
		putBytesPairs(scratch)
	}()
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		key := tok.String()
		if k := dec.PeekKind(); k != '"' && k != 'n' {
			return wrongKind(dec, k, typeBytes)
		}
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		b, err := decodeBase64(v)
		if err != nil {
			return &jsonv2.SemanticError{JSONPointer: dec.StackPointer(), JSONKind: '"', GoType: typeBytes, Err: err}
		}
		if pairs = append(pairs, bytesPair{key, b}); len(pairs) == maxPooledPairs {
			// The map's size is not the pairs': names may repeat, and an
			// object of many tiny or repeated names must cost no more
			// than v2's own decoding. Beyond this many, the map grows.
			flushPairs(m, pairs)
			clear(pairs)
			pairs = pairs[:0]
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	flushPairs(m, pairs)
	return nil
}

// flushPairs adds pairs to *m, making it at their number if there is none.
func flushPairs(m *map[string][]byte, pairs []bytesPair) {
	if *m == nil {
		*m = make(map[string][]byte, len(pairs))
	}
	for _, p := range pairs {
		(*m)[p.key] = p.value
	}
}

var typeString, typeBytes = reflect.TypeFor[string](), reflect.TypeFor[[]byte]()

// wrongKind is v2's error for a map value of kind k that is not of type t:
// a semantic error for a JSON value of another kind, and the syntax error
// for text that is none (PeekKind names it by its first byte, or 0 at the
// end of the input).
func wrongKind(dec *jsontext.Decoder, k jsontext.Kind, t reflect.Type) error {
	switch k {
	case '{', '[', 't', 'f', '0':
		return &jsonv2.SemanticError{JSONPointer: dec.StackPointer(), JSONKind: k, GoType: t}
	}
	_, err := dec.ReadValue()
	return err
}

type bytesPair struct {
	key   string
	value []byte
}

// bytesPairs holds readBytesMap's scratch space between reviews.
var bytesPairs = sync.Pool{New: func() any { return new([]bytesPair) }}

// maxPooledPairs bounds the scratch space, and so the map's first size:
// beyond it, pairs go to the map in batches.
const maxPooledPairs = 1024

// putBytesPairs returns p, which holds the pairs of the last read, to the
// pool, without them: the keys and values belong to the decoded map, and
// the pool would otherwise keep them alive.
func putBytesPairs(p *[]bytesPair) {
	if cap(*p) > maxPooledPairs {
		return
	}
	clear(*p)
	*p = (*p)[:0]
	bytesPairs.Put(p)
}

// decodeBase64 is a JSON string's value in base64 (nil for null) as v2
// decodes it into a []byte: padding required, and the line breaks that
// package base64 skips refused.
func decodeBase64(v jsontext.Value) ([]byte, error) {
	if v.Kind() == 'n' {
		return nil, nil
	}
	text := v[1 : len(v)-1]
	if bytes.IndexByte(v, '\\') >= 0 {
		var err error
		if text, err = jsontext.AppendUnquote(nil, v); err != nil {
			return nil, err
		}
	}
	b, err := base64.StdEncoding.AppendDecode(make([]byte, 0, base64.StdEncoding.DecodedLen(len(text))), text)
	if err != nil {
		return nil, err
	}
	if len(text) != base64.StdEncoding.EncodedLen(len(b)) {
		return nil, errLineBreak
	}
	return b, nil
}

var errLineBreak = errors.New("line breaks are not base64")
