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

// Each list is checked on thirty keys, of which the message names the
// first ten: with fewer, an unsorted list passes often enough by luck of
// map order that clausemut saw the missing sorts live in one run and die
// in the next.
func TestValidateSecretListsKeysInOrder(t *testing.T) {
	t.Parallel()
	first10 := func(format string) []string {
		var out []string
		for i := range 10 {
			out = append(out, fmt.Sprintf(format, i))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		edit func(s *corev1.Secret, i int)
		want string
	}{
		{"invalid data keys", func(s *corev1.Secret, i int) { s.Data[fmt.Sprintf("d%02d!", i)] = []byte("x") },
			"invalid key(s) " + strings.Join(first10(`"d%02d!"`), ", ") + " and 20 more: expected"},
		{"invalid stringData keys", func(s *corev1.Secret, i int) { s.StringData[fmt.Sprintf("s%02d!", i)] = "x" },
			"invalid key(s) " + strings.Join(first10(`"s%02d!"`), ", ") + " and 20 more: expected"},
		{"keys without an entry", func(s *corev1.Secret, i int) { s.Data[fmt.Sprintf("k%02d", i)] = []byte("x") },
			"key(s) " + strings.Join(first10("k%02d"), ", ") + " and 20 more have no entry"},
		{"entries without a value", func(s *corev1.Secret, i int) {
			e := fixtures.EntriesOf(s)
			e[fmt.Sprintf("e%02d", i)] = byAlice
			fixtures.SetEntries(s, e)
		}, "has entries " + strings.Join(first10("e%02d"), ", ") + " and 20 more with no data key"},
	} {
		s := fixtures.Edit(projectSecret(map[string]string{"api-token": "v1"}), func(s *corev1.Secret) {
			s.StringData = map[string]string{}
			for i := range 30 {
				tc.edit(s, i)
			}
		})
		_, err := ValidateSecret(s, DefaultKeyRule)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: message does not contain %q:\n%v", tc.name, tc.want, err)
		}
	}
}
