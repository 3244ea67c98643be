package projsecret_test

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	. "github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
)

func TestValidateSecretMessagesStayShort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secret *corev1.Secret
		want   []string
		absent []string
	}{
		{
			name: "many bad keys are counted, not all listed",
			secret: fixtures.Edit(projectSecret(nil), func(s *corev1.Secret) {
				for i := range 25 {
					s.Data[fmt.Sprintf("bad.%02d", i)] = nil
				}
			}),
			want:   []string{`"bad.00"`, `"bad.09"`, "and 15 more: expected ^[A-Za-z0-9_-]+$"},
			absent: []string{`"bad.10"`},
		},
		{
			name:   "a huge key is cut",
			secret: fixtures.Edit(projectSecret(nil), func(s *corev1.Secret) { s.Data[strings.Repeat("k", 5000)+"!"] = nil }),
			want:   []string{strings.Repeat("k", 64) + "..."},
			absent: []string{strings.Repeat("k", 65)},
		},
		{
			name: "many keys without entries are counted",
			secret: fixtures.Edit(projectSecret(nil), func(s *corev1.Secret) {
				for i := range 12 {
					s.Data[fmt.Sprintf("k%02d", i)] = nil
				}
			}),
			want: []string{"key(s) k00, k01, k02, k03, k04, k05, k06, k07, k08, k09 and 2 more have no entry"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ValidateSecret(tt.secret, DefaultKeyRule)
			if err == nil {
				t.Fatal("valid, want violations")
			}
			msg := err.Error()
			if len(msg) > 2048 {
				t.Errorf("message is %d bytes long", len(msg))
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message does not contain %q:\n%s", w, msg)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(msg, a) {
					t.Errorf("message contains %q:\n%s", a, msg)
				}
			}
		})
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

func TestIsProjectSecret(t *testing.T) {
	t.Parallel()
	if IsProjectSecret(nil) {
		t.Error("nil is a project secret")
	}
	if IsProjectSecret(&corev1.Secret{}) {
		t.Error("unlabeled secret is a project secret")
	}
	s := projectSecret(nil)
	s.Labels[LabelProject] = ""
	if !IsProjectSecret(s) {
		t.Error("a secret labeled with an empty project is not judged, so an empty label slips through")
	}
}
