package projsecret

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseEntries: the parser never panics, fails only with a metadata
// Violation, and what it accepts is within bounds, valid entry by entry, and
// survives Encode and ParseEntries unchanged.
func FuzzParseEntries(f *testing.F) {
	for _, seed := range []string{
		``,
		`{}`,
		`null`,
		`[]`,
		`{"API_TOKEN":{"description":"CI token","labels":{"team":"data"},"createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"alice","updatedBy":"alice"}}`,
		`{"a":{"description":"","createdAt":"2025-01-02T03:04:05+02:00","updatedAt":"2025-01-02T03:04:06.5Z","createdBy":"system:serviceaccount:ns:sa","updatedBy":"b"}}`,
		`{"a":{"description":"x","createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:04Z","createdBy":"a","updatedBy":"a"}}`,
		`{"a":{"Description":"x","createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}}`,
		`{"a":{"description":"x","description":"y","createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}}`,
		`{"a":{"secret":"x"}}`,
		`{"a":{}} trailing`,
		`{"a":{"labels":{"bad key":"v"}}}`,
		`{"a":{"createdAt":"yesterday"}}`,
		`{"a":{"labels":{"t":"d"}},"b":{"labels":{"t":"d"}},"c":{"labels" : {"t":"d","u":"e"}},"d":{"labels":{"t":"d"}`,
		`{"a":{"labels":{"t":"d","t":"e"}},"b":{"labels":{"t":"d","t":"e"}}}`,
		`{"a":{"labels":null},"b":{"labels":{}},"c":{"labels":{}},"d":{"labels":{"t":5}}}`,
		`{"a":{"labels":null,"description":null,"expiresAt":null,"rotateEvery":null,"des\u0063ription":"d","createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-02-30T00:00:00Z","createdBy":null,"updatedBy":"\u0061"}}`,
		`{"a":{"createdAt":1,"rotateEvery":"2025-01-02T03:04:05Z","expiresAt":"","labels" : {"t":"d"}},"b":{"labels":  {"t":"e"}},"c":{"createdAt":"2025-01-0:T03:04:05Z","updatedAt":"2025-01-01T24:00:00Z"}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, annotation string) {
		entries, err := ParseEntries(annotation)
		// Shared label maps (Policy.Review's reading) change nothing read.
		shared, sharedErr := parseEntries(annotation, &labelSets{})
		if fmt.Sprint(err) != fmt.Sprint(sharedErr) || !reflect.DeepEqual(entries, shared) {
			t.Fatalf("with shared label maps: %v %#v, without: %v %#v", sharedErr, shared, err, entries)
		}
		if err != nil {
			var v *Violation
			if !errors.As(err, &v) || v.Rule != RuleMetadata {
				t.Fatalf("error %T %v is not a metadata Violation", err, err)
			}
			if len(err.Error()) > 4096 {
				t.Fatalf("error is %d bytes long", len(err.Error()))
			}
			return
		}
		if entries == nil {
			t.Fatal("nil entries without an error")
		}
		if len(annotation) > MaxAnnotationBytes {
			t.Fatalf("accepted %d bytes", len(annotation))
		}
		for _, k := range entries.Keys() {
			if err := ValidateEntryMeta(k, entries[k]); err != nil {
				t.Fatalf("accepted an invalid entry: %v", err)
			}
		}
		enc, err := entries.Encode()
		if err != nil {
			t.Fatalf("cannot encode what was accepted: %v", err)
		}
		again, err := ParseEntries(enc)
		if err != nil {
			t.Fatalf("cannot parse its own encoding %q: %v", enc, err)
		}
		if !maps.EqualFunc(entries, again, sameEntry) {
			t.Fatalf("round trip changed the entries:\n%q\n%q", annotation, enc)
		}
	})
}

func sameEntry(a, b EntryMeta) bool {
	return a.Description == b.Description && maps.Equal(a.Labels, b.Labels) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) &&
		a.CreatedBy == b.CreatedBy && a.UpdatedBy == b.UpdatedBy
}

func TestParseEntriesStrictness(t *testing.T) {
	t.Parallel()
	const valid = `"createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"`
	tests := []struct {
		name, annotation, want string
	}{
		{"unknown field", `{"a":{"value":"x",` + valid + `}}`, `unknown field "a.value"`},
		{"field in the wrong case", `{"a":{"Description":"x",` + valid + `}}`, `unknown field "a.Description"`},
		{"duplicate field", `{"a":{"description":"x","description":"y",` + valid + `}}`, `duplicate field "a.description"`},
		{"duplicate entry", `{"a":{` + valid + `},"a":{` + valid + `}}`, `duplicate field "a"`},
		{"trailing data", `{"a":{` + valid + `}} {}`, "is not a JSON object of entries"},
		{"not an object", `"a"`, "is not a JSON object of entries"},
		{"null", `null`, "is null"},
		{"entry is null", `{"a":null}`, "createdAt and updatedAt must be set"},
		{"missing author", `{"a":{"createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z"}}`, "createdBy and updatedBy must name a user"},
		{"timestamp not RFC 3339", `{"a":{"createdAt":"2025-01-02 03:04:05","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}}`, "is not a timestamp in RFC 3339"},
		{"too big", `{"a":"` + strings.Repeat("x", MaxAnnotationBytes) + `"}`, "at most 262144 are allowed"},
		// Each row below is a mutant of entries_json.go that lived before it (issue 23).
		{"bad escape in a field name", `{"a":{"\x":1}}`, "is not a JSON object of entries: syntax error"},
		{"duplicate label", `{"a":{"labels":{"x":"1","x":"2"},` + valid + `}}`, `duplicate field "a.labels.x"`},
		{"label value not a string", `{"a":{"labels":{"x":1,"y":"2"},` + valid + `}}`, `field "a.labels.x" is a JSON number: expected a string`},
		{"createdBy null", `{"a":{"createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":null,"updatedBy":"a"}}`, "createdBy and updatedBy must name a user"},
		{"createdAt not a string", `{"a":{"createdAt":1,"updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}}`, `field "a.createdAt" is a JSON number: expected a string`},
		{"createdAt null", `{"a":{"createdAt":null,"updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}}`, "createdAt and updatedAt must be set"},
		{"timestamp digit above 9", `{"a":{"createdAt":"2025-01-0:T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}}`, `createdAt "2025-01-0:T03:04:05Z" is not a timestamp in RFC 3339`},
		{"timestamp digit below 0", `{"a":{"createdAt":"2025-01-0/T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}}`, `createdAt "2025-01-0/T03:04:05Z" is not a timestamp in RFC 3339`},
		{"February 30", `{"a":{"createdAt":"2025-02-30T00:00:00Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}}`, `createdAt "2025-02-30T00:00:00Z" is not a timestamp in RFC 3339`},
		{"hour 24", `{"a":{"createdAt":"2025-01-01T24:00:00Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}}`, `createdAt "2025-01-01T24:00:00Z" is not a timestamp in RFC 3339`},
		{"expiresAt empty", `{"a":{"expiresAt":"",` + valid + `}}`, `entry "a": expiresAt "" is not a timestamp in RFC 3339`},
		{"rotateEvery a timestamp", `{"a":{"rotateEvery":"2025-01-02T03:04:05Z",` + valid + `}}`, `entry "a": rotateEvery "2025-01-02T03:04:05Z" is not a Go duration`},
		{"rotateEvery empty", `{"a":{"rotateEvery":"",` + valid + `}}`, `entry "a": rotateEvery "" is not a Go duration`},
		{"rotateEvery 0", `{"a":{"rotateEvery":"0s",` + valid + `}}`, `annotation projsecret.io/entries: entry "a": rotateEvery is 0: leave it out instead`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEntries(tt.annotation)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseEntries = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
