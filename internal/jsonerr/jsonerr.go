// Package jsonerr turns the errors of github.com/go-json-experiment/json
// (encoding/json/v2) into messages that name what is wrong and where
// without quoting any value, and that do not change from run to run: the
// library's own messages deliberately vary their wording ("cannot" or
// "unable to") and quote input characters, which may be part of a value.
package jsonerr

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// maxPath bounds a path in a message: a member name can be as long as
// the input.
const maxPath = 256

// SyntaxOffset reports the byte offset of a syntax error, one that makes
// the input not JSON at all. A duplicate member name is not one: the text
// is JSON, which the strict reading refuses (see Describe).
func SyntaxOffset(err error) (int64, bool) {
	var syn *jsontext.SyntacticError
	if !errors.As(err, &syn) || errors.Is(syn.Err, jsontext.ErrDuplicateName) {
		return 0, false
	}
	return syn.ByteOffset, true
}

// Describe says what err found wrong, naming members by their dotted
// path ("a.value"): an unknown or duplicate field, a syntax error by
// offset, or a value of the wrong JSON kind and the kind expected.
func Describe(err error) string {
	var syn *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	switch {
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		return fmt.Sprintf("duplicate field %q", Path(syn.JSONPointer))
	case syn != nil:
		return fmt.Sprintf("syntax error at byte %d", syn.ByteOffset)
	case errors.As(err, &sem) && errors.Is(sem.Err, jsonv2.ErrUnknownName):
		return fmt.Sprintf("unknown field %q", Path(sem.JSONPointer))
	case sem != nil:
		return describeSemantic(sem)
	}
	// Not the library's: an error of our own unmarshalers, which name
	// no values either.
	return err.Error()
}

func describeSemantic(sem *jsonv2.SemanticError) string {
	where := "the value"
	if p := Path(sem.JSONPointer); p != "" {
		where = fmt.Sprintf("field %q", p)
	}
	var b64 base64.CorruptInputError
	switch {
	case errors.As(sem.Err, &b64):
		return fmt.Sprintf("%s is not base64 (%v)", where, b64)
	case sem.JSONKind == 0 || sem.GoType == nil:
		return where + " cannot be read"
	case sem.Err != nil:
		// The kind fits but the value does not, as a type's own
		// UnmarshalJSON (metav1.Time's) judged: its error may quote the
		// value, so only the kinds are named.
		return fmt.Sprintf("%s is %s that is not a valid %s", where, kindName(sem.JSONKind), sem.GoType)
	}
	return fmt.Sprintf("%s is %s: expected %s", where, kindName(sem.JSONKind), expected(sem.GoType))
}

// Path is a JSON pointer as a dotted path: /a/value is a.value.
func Path(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
		if b.Len() > maxPath {
			return b.String()[:maxPath] + "..."
		}
	}
	return b.String()
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a JSON boolean"
	case '"':
		return "a JSON string"
	case '0':
		return "a JSON number"
	case '{':
		return "a JSON object"
	case '[':
		return "a JSON array"
	}
	return "a JSON value"
}

var jsonUnmarshaler = reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]()

func expected(t reflect.Type) string {
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return "a " + t.String()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return expected(t.Elem())
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a base64 string"
		}
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}
