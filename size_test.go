package projsecret_test

import (
	"fmt"
	"testing"

	. "github.com/projsecret/projsecret"
)

// TestAnnotationLimitSaysHowFarOver: the size check names how many bytes
// of metadata are over the API server's limit.
func TestAnnotationLimitSaysHowFarOver(t *testing.T) {
	t.Parallel()
	err := Size{AnnotationBytes: MaxAnnotationBytes + 5}.Check()
	want := fmt.Sprintf("annotations total %d bytes (the entries' metadata), 5 over the API server's limit of %d", MaxAnnotationBytes+5, MaxAnnotationBytes)
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	s := projectSecret(map[string]string{"a": "12345"})
	s.StringData = map[string]string{"b": "123"}
	entriesLen := len(AnnotationEntries) + len(s.Annotations[AnnotationEntries])
	if got, want := SizeOf(s), (Size{DataBytes: 8, AnnotationBytes: entriesLen}); got != want {
		t.Fatalf("SizeOf = %+v, want %+v", got, want)
	}

	tests := []struct {
		size     Size
		rule     Rule
		warnings int
	}{
		{size: Size{}},
		{size: Size{DataBytes: MaxSecretDataBytes}, warnings: 1},
		{size: Size{DataBytes: MaxSecretDataBytes + 1}, rule: RuleSize},
		{size: Size{AnnotationBytes: MaxAnnotationBytes * 9 / 10}},
		{size: Size{AnnotationBytes: MaxAnnotationBytes*9/10 + 1}, warnings: 1},
		{size: Size{AnnotationBytes: MaxAnnotationBytes + 1}, rule: RuleSize},
		{size: Size{DataBytes: WarnSecretDataBytes + 1, AnnotationBytes: MaxAnnotationBytes}, warnings: 2},
	}
	for _, tt := range tests {
		err := tt.size.Check()
		var rule Rule
		if v, ok := err.(*Violation); ok {
			rule = v.Rule
		} else if err != nil {
			t.Errorf("%+v: Check returned %T", tt.size, err)
		}
		if rule != tt.rule {
			t.Errorf("%+v: Check = %v, want rule %q", tt.size, err, tt.rule)
		}
		if got := tt.size.Warnings(); len(got) != tt.warnings {
			t.Errorf("%+v: Warnings = %q, want %d", tt.size, got, tt.warnings)
		}
	}
}
