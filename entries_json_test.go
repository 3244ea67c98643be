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
		"2025-01-01T00:00:00+", "2025-1-01T00:00:00Z", "+025-01-01T00:00:00Z", "2025-01-01T00:00:00z"} {
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
	annotation := `{"a":` + entry(`{"team":"data"}`) + `,"b":` + entry(`{"team":"data"}`) + `,"c":` + entry(`{"team":"data","tier":"1"}`) + `,"d":` + entry(`{"team": "data"}`) + `}`
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
	if !maps.Equal(shared["d"].Labels, shared["a"].Labels) || shared["c"].Labels["tier"] != "1" {
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
