package projsecret

import (
	"fmt"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzFastTimestamp: the annotation's timestamp fast path accepts only
// what time.Parse accepts in timestampLayout, and reads it as the same
// instant.
func FuzzFastTimestamp(f *testing.F) {
	for _, s := range []string{"2025-01-02T03:04:05Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-02-29T00:00:00Z",
		"2025-02-29T00:00:00Z", "2025-02-30T00:00:00Z", "2025-04-31T00:00:00Z", "2025-13-01T00:00:00Z", "2025-00-01T00:00:00Z",
		"2025-01-00T00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T00:60:00Z", "2025-01-01T00:00:60Z", "2025-01-01 00:00:00Z",
		"2025-01-01T00:00:00+", "2025-1-01T00:00:00Z", "+025-01-01T00:00:00Z", "2025-01-01T00:00:00z",
		"2025-01-0:T00:00:00Z", "2025-01-0/T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := fastTimestamp([]byte(strconv.Quote(s)))
		want, err := time.Parse(timestampLayout, s)
		if ok && (err != nil || len(s) != len(timestampLayout) || !got.Equal(want) || got.Location() != time.UTC) {
			t.Fatalf("fastTimestamp(%q) = %v, time.Parse: %v, %v", s, got, want, err)
		}
		if !ok && err == nil && len(s) == len(timestampLayout) && strconv.Quote(s) == `"`+s+`"` {
			t.Fatalf("fastTimestamp refused %q, which time.Parse reads as %v", s, want)
		}
	})
}

// Entries whose labels are the same text share one map when Policy.Review
// reads them, across the old and the new object, and never when
// ParseEntries does: its callers may edit an entry's labels.
func TestSharedLabelMaps(t *testing.T) {
	entry := func(labels string) string {
		return `{"labels":` + labels + `,"createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}`
	}
	annotation := `{"a":` + entry(`{"team":"data"}`) + `,"b":` + entry(`{"team":"data"}`) + `,"c":` + entry(`{"team":"data","tier":"1"}`) + `,"d":` + entry(`{"team": "data"}`) +
		// Whitespace between the name and the object: e has a's labels,
		// f does not.
		`,"e":{"labels" : {"team":"data"},"createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}` +
		`,"f":{"labels" :{"team":"ops"},"createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}}`
	mapOf := func(e Entries, key string) uintptr { return reflect.ValueOf(e[key].Labels).Pointer() }

	sets := &labelSets{}
	shared, err := parseEntries(annotation, sets)
	if err != nil {
		t.Fatal(err)
	}
	if mapOf(shared, "a") != mapOf(shared, "b") {
		t.Error("a and b have the same labels text but not the same map")
	}
	if mapOf(shared, "a") == mapOf(shared, "c") || mapOf(shared, "a") == mapOf(shared, "d") {
		t.Error("labels of another text share a's map")
	}
	if mapOf(shared, "e") != mapOf(shared, "a") {
		t.Error("e has a's labels text after whitespace but not a's map")
	}
	if !maps.Equal(shared["d"].Labels, shared["a"].Labels) || !maps.Equal(shared["e"].Labels, shared["a"].Labels) ||
		shared["c"].Labels["tier"] != "1" || shared["f"].Labels["team"] != "ops" {
		t.Errorf("labels read wrong: %v", shared)
	}
	other, err := parseEntries(`{"x":`+entry(`{"team":"data"}`)+`}`, sets)
	if err != nil {
		t.Fatal(err)
	}
	if mapOf(other, "x") != mapOf(shared, "a") {
		t.Error("the second object of a review does not share the first one's map")
	}

	own, err := ParseEntries(annotation)
	if err != nil {
		t.Fatal(err)
	}
	own["a"].Labels["team"] = "edited"
	if own["b"].Labels["team"] != "data" {
		t.Error("ParseEntries shares label maps: editing a's labels changed b's")
	}
}

// A review with more distinct label sets than are kept reads every one
// right.
func TestManyLabelSets(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 3 * maxLabelSets {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%02d":{"labels":{"set":"%d"},"createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z","createdBy":"a","updatedBy":"a"}`, i, i%(maxLabelSets+3))
	}
	b.WriteString("}")
	entries, err := parseEntries(b.String(), &labelSets{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 * maxLabelSets {
		if got, want := entries[fmt.Sprintf("k%02d", i)].Labels["set"], fmt.Sprint(i%(maxLabelSets+3)); got != want {
			t.Errorf("k%02d: label set %q, want %q", i, got, want)
		}
	}
}

// What an entry reads as when a field is null or a name is escaped, with
// and without shared label maps: null is unset and the fields after it are
// read as themselves (issue 23: each case was a mutant of entries_json.go
// that no test saw).
func TestParseEntriesNullsAndEscapes(t *testing.T) {
	const times = `"createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T03:04:05Z"`
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	base := EntryMeta{CreatedAt: at, UpdatedAt: at, CreatedBy: "a", UpdatedBy: "b"}
	with := func(f func(*EntryMeta)) EntryMeta { m := base; f(&m); return m }
	tests := []struct {
		name, entry string
		want        EntryMeta
	}{
		{"labels null first", `{"labels":null,` + times + `,"createdBy":"a","updatedBy":"b"}`, base},
		{"labels null last", `{` + times + `,"createdBy":"a","updatedBy":"b","labels":null}`, base},
		{"description null", `{"description":null,` + times + `,"createdBy":"a","updatedBy":"b"}`, base},
		{"label value null", `{"labels":{"x":null,"y":"1"},` + times + `,"createdBy":"a","updatedBy":"b"}`,
			with(func(m *EntryMeta) { m.Labels = map[string]string{"x": "", "y": "1"} })},
		{"escaped field name", `{"des\u0063ription":"d",` + times + `,"createdBy":"a","updatedBy":"b"}`,
			with(func(m *EntryMeta) { m.Description = "d" })},
		{"escaped author", `{` + times + `,"createdBy":"\u0061","updatedBy":"b"}`, base},
		{"expiresAt null", `{"expiresAt":null,` + times + `,"createdBy":"a","updatedBy":"b"}`, base},
		{"rotateEvery null", `{"rotateEvery":null,` + times + `,"createdBy":"a","updatedBy":"b"}`, base},
		{"expiresAt and rotateEvery set", `{"expiresAt":"2025-02-03T04:05:06Z","rotateEvery":"720h",` + times + `,"createdBy":"a","updatedBy":"b"}`,
			with(func(m *EntryMeta) {
				m.ExpiresAt = time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
				m.RotateEvery = 720 * time.Hour
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			annotation := `{"k":` + tt.entry + `}`
			own, err := ParseEntries(annotation)
			if err != nil {
				t.Fatalf("ParseEntries: %v", err)
			}
			shared, err := parseEntries(annotation, &labelSets{})
			if err != nil {
				t.Fatalf("parseEntries with shared labels: %v", err)
			}
			for _, got := range []Entries{own, shared} {
				if len(got) != 1 || !reflect.DeepEqual(got["k"], tt.want) {
					t.Errorf("read %#v, want k: %#v", got, tt.want)
				}
			}
		})
	}
}
