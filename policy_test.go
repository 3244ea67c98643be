package projsecret

import (
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	t1 = t0.Add(time.Hour)
)

// projectSecret is a valid project Secret for project "demo" whose entries
// were all created and last updated by alice at t0.
func projectSecret(values map[string]string) *corev1.Secret {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:        SecretName("demo"),
			Namespace:   "ns",
			Labels:      map[string]string{LabelProject: "demo"},
			Annotations: map[string]string{},
		},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{},
	}
	entries := Entries{}
	for k, v := range values {
		s.Data[k] = []byte(v)
		entries[k] = EntryMeta{Description: "d", CreatedAt: t0, UpdatedAt: t0, CreatedBy: "alice", UpdatedBy: "alice"}
	}
	setEntries(s, entries)
	return s
}

func setEntries(s *corev1.Secret, e Entries) {
	enc, err := e.Encode()
	if err != nil {
		panic(err)
	}
	s.Annotations[AnnotationEntries] = enc
}

func entriesOf(s *corev1.Secret) Entries {
	e, err := ParseEntries(s.Annotations[AnnotationEntries])
	if err != nil {
		panic(err)
	}
	return e
}

// edit returns a changed copy of s, as a client would send it.
func edit(s *corev1.Secret, change func(*corev1.Secret)) *corev1.Secret {
	c := s.DeepCopy()
	change(c)
	return c
}

func editEntry(key string, change func(*EntryMeta)) func(*corev1.Secret) {
	return func(s *corev1.Secret) {
		e := entriesOf(s)
		m := e[key]
		change(&m)
		e[key] = m
		setEntries(s, e)
	}
}

func withOwners(list string) func(*corev1.Secret) {
	return func(s *corev1.Secret) { s.Annotations[AnnotationOwners] = list }
}

func TestPolicyReview(t *testing.T) {
	base := projectSecret(map[string]string{"api-token": "v1", "DB_PASSWORD": "v2"})
	owned := edit(base, withOwners("user:alice,group:team-a"))
	envPolicy := Policy{KeyRule: EnvVarKeyRule, AdminGroups: []string{"system:masters"}}

	tests := []struct {
		name   string
		policy Policy
		w      Write
		// rules are the rules the denial must name, in order; empty means allowed.
		rules []Rule
		// want are fragments the denial message must contain.
		want []string
	}{
		{name: "create valid", w: Write{Operation: Create, User: "alice", New: base}},
		{name: "create by another user than the entries name", w: Write{Operation: Create, User: "bob", New: base},
			rules: []Rule{RuleMetadata, RuleMetadata}, want: []string{`entry "DB_PASSWORD" is new`, `requesting user "bob"`}},
		{name: "not a project secret is not judged", w: Write{Operation: Create, User: "bob",
			New: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "plain"}, Data: map[string][]byte{"bad key!": nil}}}},
		{name: "create without object", w: Write{Operation: Create, User: "alice", Old: base},
			rules: []Rule{RuleMetadata}, want: []string{"CREATE request carries no object"}},

		// Key naming.
		{name: "bad data key", w: Write{Operation: Create, User: "alice", New: edit(base, func(s *corev1.Secret) {
			s.Data["bad.key"] = []byte("x")
			e := entriesOf(s)
			e["bad.key"] = e["api-token"]
			setEntries(s, e)
		})}, rules: []Rule{RuleKeyNaming}, want: []string{`"bad.key"`, "^[A-Za-z0-9_-]+$"}},
		{name: "bad stringData key", w: Write{Operation: Create, User: "alice", New: edit(base, func(s *corev1.Secret) {
			s.StringData = map[string]string{"bad/key": "x"}
			e := entriesOf(s)
			e["bad/key"] = e["api-token"]
			setEntries(s, e)
		})}, rules: []Rule{RuleKeyNaming}, want: []string{`"bad/key"`}},
		{name: "env rule refuses a dash", policy: envPolicy, w: Write{Operation: Create, User: "alice", New: base},
			rules: []Rule{RuleKeyNaming}, want: []string{`"api-token"`, "POSIX environment variable"}},
		{name: "env rule accepts env names", policy: envPolicy, w: Write{Operation: Create, User: "alice",
			New: projectSecret(map[string]string{"DB_PASSWORD": "x", "_x1": "y"})}},

		// Project ownership: name, label, type.
		{name: "invalid project label", w: Write{Operation: Create, User: "alice", New: edit(base, func(s *corev1.Secret) {
			s.Labels[LabelProject] = "Demo"
			s.Name = SecretName("Demo")
		})}, rules: []Rule{RuleOwnership}, want: []string{`project name "Demo" is invalid`}},
		{name: "name does not match label", w: Write{Operation: Create, User: "alice", New: edit(base, func(s *corev1.Secret) { s.Name = "other" })},
			rules: []Rule{RuleOwnership}, want: []string{`its name must be "proj-secrets-demo"`}},
		{name: "type not Opaque", w: Write{Operation: Create, User: "alice", New: edit(base, func(s *corev1.Secret) { s.Type = corev1.SecretTypeDockerConfigJson })},
			rules: []Rule{RuleOwnership}, want: []string{`must be "Opaque"`}},
		{name: "label changed", w: Write{Operation: Update, User: "alice", Old: base, New: edit(base, func(s *corev1.Secret) {
			s.Labels[LabelProject] = "other"
			s.Name = SecretName("other")
		})}, rules: []Rule{RuleOwnership}, want: []string{"cannot be changed or removed", `it was "demo"`}},
		{name: "label removed", w: Write{Operation: Update, User: "alice", Old: base, New: edit(base, func(s *corev1.Secret) { delete(s.Labels, LabelProject) })},
			rules: []Rule{RuleOwnership, RuleOwnership}, want: []string{"cannot be changed or removed"}},
		{name: "label added to a plain secret is judged as new", w: Write{Operation: Update, User: "alice",
			Old: edit(base, func(s *corev1.Secret) { delete(s.Labels, LabelProject) }), New: base}},

		// Owners.
		{name: "owner user updates", w: Write{Operation: Update, User: "alice", Old: owned, New: editValue(owned, "api-token", "alice")}},
		{name: "owner group member updates", w: Write{Operation: Update, User: "carol", Groups: []string{"team-a"}, Old: owned, New: editValue(owned, "api-token", "carol")}},
		{name: "non-owner updates", w: Write{Operation: Update, User: "bob", Groups: []string{"team-b"}, Old: owned, New: editValue(owned, "api-token", "bob")},
			rules: []Rule{RuleOwnership}, want: []string{`user "bob" is not an owner of project "demo"`, "user:alice,group:team-a", "group system:masters"}},
		{name: "admin updates", w: Write{Operation: Update, User: "root", Groups: []string{"system:masters"}, Old: owned, New: editValue(owned, "api-token", "root")}},
		{name: "non-owner deletes", w: Write{Operation: Delete, User: "bob", Old: owned},
			rules: []Rule{RuleOwnership}, want: []string{`user "bob" is not an owner`}},
		{name: "owner deletes", w: Write{Operation: Delete, User: "alice", Old: owned}},
		{name: "admin deletes", w: Write{Operation: Delete, User: "root", Groups: []string{"system:masters"}, Old: owned}},
		{name: "anyone deletes without owners", w: Write{Operation: Delete, User: "bob", Old: base}},
		{name: "custom admin group", policy: Policy{KeyRule: DefaultKeyRule, AdminGroups: []string{"ops"}},
			w:     Write{Operation: Delete, User: "root", Groups: []string{"system:masters"}, Old: owned},
			rules: []Rule{RuleOwnership}, want: []string{"admins: group ops"}},
		{name: "non-owner removes the owners list", w: Write{Operation: Update, User: "bob", Old: owned, New: base},
			rules: []Rule{RuleOwnership}, want: []string{`user "bob" is not an owner`}},
		{name: "owner hands the list over without self", w: Write{Operation: Update, User: "alice", Old: owned, New: edit(owned, withOwners("user:bob"))},
			rules: []Rule{RuleOwnership}, want: []string{`sets owners user:bob without being one of them`}},
		{name: "owner extends the list", w: Write{Operation: Update, User: "alice", Old: owned, New: edit(owned, withOwners("user:alice,user:bob"))}},
		{name: "create with owners including creator", w: Write{Operation: Create, User: "alice", New: owned}},
		{name: "create with owners excluding creator", w: Write{Operation: Create, User: "alice", New: edit(base, withOwners("user:bob"))},
			rules: []Rule{RuleOwnership}, want: []string{`user "alice" sets owners user:bob`}},
		{name: "admin creates for others", w: Write{Operation: Create, User: "alice", Groups: []string{"system:masters"}, New: edit(base, withOwners("user:bob"))}},
		{name: "invalid owners on create", w: Write{Operation: Create, User: "alice", New: edit(base, withOwners("alice"))},
			rules: []Rule{RuleOwnership}, want: []string{`owner "alice" is invalid: expected user:NAME or group:NAME`}},
		{name: "empty stored owners guard nothing", w: Write{Operation: Update, User: "bob", Old: edit(base, withOwners("")), New: editValue(edit(base, withOwners("")), "api-token", "bob")}},
		{name: "unreadable stored owners admit only admins", w: Write{Operation: Delete, User: "alice", Old: edit(base, withOwners("alice"))},
			rules: []Rule{RuleOwnership}, want: []string{"is unreadable", "until an admin fixes the list"}},
		{name: "admin repairs unreadable stored owners", w: Write{Operation: Update, User: "root", Groups: []string{"system:masters"}, Old: edit(base, withOwners("alice")), New: owned}},

		// Metadata.
		{name: "entries annotation missing", w: Write{Operation: Create, User: "alice", New: edit(base, func(s *corev1.Secret) { delete(s.Annotations, AnnotationEntries) })},
			rules: []Rule{RuleMetadata, RuleMetadata}, want: []string{"annotation projsecret.io/entries is missing", `key(s) DB_PASSWORD, api-token have no entry`}},
		{name: "entries unknown field", w: Write{Operation: Create, User: "alice", New: edit(base, func(s *corev1.Secret) {
			s.Annotations[AnnotationEntries] = strings.Replace(s.Annotations[AnnotationEntries], `"description"`, `"secret":"x","description"`, 1)
		})}, rules: []Rule{RuleMetadata}, want: []string{`unknown field "DB_PASSWORD.secret"`, "expected only description"}},
		{name: "entries not an object", w: Write{Operation: Create, User: "alice", New: edit(base, withEntriesText(`["api-token"]`))},
			rules: []Rule{RuleMetadata}, want: []string{"is not a JSON object of entries"}},
		{name: "entries null", w: Write{Operation: Create, User: "alice", New: edit(base, withEntriesText(`null`))},
			rules: []Rule{RuleMetadata}, want: []string{"is null"}},
		{name: "entry without data key", w: Write{Operation: Update, User: "alice", Old: base, New: edit(base, func(s *corev1.Secret) { delete(s.Data, "api-token") })},
			rules: []Rule{RuleMetadata}, want: []string{"has entries api-token with no data key"}},
		{name: "timestamp does not parse", w: Write{Operation: Create, User: "alice", New: edit(base, func(s *corev1.Secret) {
			s.Annotations[AnnotationEntries] = strings.Replace(s.Annotations[AnnotationEntries], t0.Format(time.RFC3339), "yesterday", 1)
		})}, rules: []Rule{RuleMetadata}, want: []string{"projsecret.io/entries"}},
		{name: "updatedAt before createdAt", w: Write{Operation: Create, User: "alice", New: edit(base, editEntry("api-token", func(m *EntryMeta) { m.UpdatedAt = t0.Add(-time.Second) }))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token": updatedAt 2025-01-02T03:04:04Z is before createdAt 2025-01-02T03:04:05Z`}},
		{name: "description too long", w: Write{Operation: Create, User: "alice", New: edit(base, editEntry("api-token", func(m *EntryMeta) { m.Description = strings.Repeat("é", MaxDescriptionLength+1) }))},
			rules: []Rule{RuleMetadata}, want: []string{"description is 1025 characters long"}},
		{name: "bad entry label", w: Write{Operation: Create, User: "alice", New: edit(base, editEntry("api-token", func(m *EntryMeta) { m.Labels = map[string]string{"team": "a b"} }))},
			rules: []Rule{RuleMetadata}, want: []string{`label "team" value "a b" is invalid`}},
		{name: "createdBy rewritten", w: Write{Operation: Update, User: "alice", Old: base, New: edit(base, editEntry("api-token", func(m *EntryMeta) { m.CreatedBy = "bob" }))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token": createdAt and createdBy cannot change`}},
		{name: "createdAt rewritten", w: Write{Operation: Update, User: "alice", Old: base, New: edit(base, editEntry("api-token", func(m *EntryMeta) { m.CreatedAt = t0.Add(-time.Hour) }))},
			rules: []Rule{RuleMetadata}, want: []string{"createdAt and createdBy cannot change"}},
		{name: "value changed, updatedBy someone else", w: Write{Operation: Update, User: "bob", Old: base, New: edit(base, func(s *corev1.Secret) { s.Data["api-token"] = []byte("v9") })},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token" changed: updatedBy must be the requesting user "bob", not "alice"`}},
		{name: "value changed by stringData, updatedBy someone else", w: Write{Operation: Update, User: "bob", Old: base, New: edit(base, func(s *corev1.Secret) {
			s.StringData = map[string]string{"api-token": "v9"}
		})}, rules: []Rule{RuleMetadata}, want: []string{`entry "api-token" changed`}},
		{name: "value changed, updatedBy the writer", w: Write{Operation: Update, User: "bob", Old: base, New: editValue(base, "api-token", "bob")}},
		{name: "description changed, updatedBy someone else", w: Write{Operation: Update, User: "bob", Old: base, New: edit(base, editEntry("api-token", func(m *EntryMeta) { m.Description = "new" }))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token" changed`}},
		{name: "updatedBy forged to a third user", w: Write{Operation: Update, User: "bob", Old: base, New: edit(base, editEntry("api-token", func(m *EntryMeta) { m.UpdatedBy = "carol" }))},
			rules: []Rule{RuleMetadata}, want: []string{`not "carol"`}},
		{name: "other entries keep their authors", w: Write{Operation: Update, User: "bob", Old: base, New: edit(base, func(s *corev1.Secret) {
			s.Data["NEW"] = []byte("n")
			e := entriesOf(s)
			e["NEW"] = EntryMeta{CreatedAt: t1, UpdatedAt: t1, CreatedBy: "bob", UpdatedBy: "bob"}
			setEntries(s, e)
		})}},
		{name: "new entry credited to someone else", w: Write{Operation: Update, User: "bob", Old: base, New: edit(base, func(s *corev1.Secret) {
			s.Data["NEW"] = []byte("n")
			e := entriesOf(s)
			e["NEW"] = EntryMeta{CreatedAt: t1, UpdatedAt: t1, CreatedBy: "alice", UpdatedBy: "bob"}
			setEntries(s, e)
		})}, rules: []Rule{RuleMetadata}, want: []string{`entry "NEW" is new: createdBy and updatedBy must be the requesting user "bob"`}},
		{name: "entry removed", w: Write{Operation: Update, User: "bob", Old: base, New: edit(base, func(s *corev1.Secret) {
			delete(s.Data, "api-token")
			e := entriesOf(s)
			delete(e, "api-token")
			setEntries(s, e)
		})}},
		{name: "unreadable stored entries: all judged new", w: Write{Operation: Update, User: "bob", Old: edit(base, withEntriesText("{")), New: base},
			rules: []Rule{RuleMetadata, RuleMetadata}, want: []string{`entry "DB_PASSWORD" is new`}},
		{name: "stored entries with an invalid one: all judged new", w: Write{Operation: Update, User: "bob", Old: edit(base, func(s *corev1.Secret) {
			e := entriesOf(s)
			m := e["api-token"]
			m.Labels = map[string]string{"bad key!": "x"}
			e["api-token"] = m
			setEntries(s, e)
		}), New: base},
			rules: []Rule{RuleMetadata, RuleMetadata}, want: []string{`entry "DB_PASSWORD" is new`}},

		// Size.
		{name: "over 1 MiB of values", w: Write{Operation: Create, User: "alice", New: projectSecret(map[string]string{"big": strings.Repeat("x", MaxSecretDataBytes+1)})},
			rules: []Rule{RuleSize}, want: []string{"values total 1048577 bytes, 1 over the API server's limit of 1048576"}},
		{name: "every rule at once", w: Write{Operation: Update, User: "bob", Old: owned, New: edit(owned, func(s *corev1.Secret) {
			s.Type = corev1.SecretTypeTLS
			s.Data["a b"] = []byte("x")
		})}, rules: []Rule{RuleOwnership, RuleKeyNaming, RuleMetadata, RuleOwnership}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			if p.AdminGroups == nil {
				p = DefaultPolicy
			}
			warnings, err := p.Review(tt.w)
			if len(tt.rules) == 0 {
				if err != nil {
					t.Fatalf("denied, want allowed: %v", err)
				}
				if len(warnings) != 0 {
					t.Fatalf("unexpected warnings %q", warnings)
				}
				return
			}
			var vs Violations
			if !errors.As(err, &vs) {
				t.Fatalf("got %T %v, want Violations", err, err)
			}
			var rules []Rule
			for _, v := range vs {
				rules = append(rules, v.Rule)
			}
			if !equalRules(rules, tt.rules) {
				t.Errorf("rules %v, want %v\n%v", rules, tt.rules, err)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message does not contain %q:\n%v", want, err)
				}
			}
			for _, value := range []string{"v1", "v2", "v9"} {
				if strings.Contains(err.Error(), `"`+value+`"`) {
					t.Errorf("message leaks value %q:\n%v", value, err)
				}
			}
		})
	}
}

func TestPolicyReviewWarnsNearTheLimit(t *testing.T) {
	for _, tt := range []struct {
		bytes int
		warn  bool
	}{
		{bytes: WarnSecretDataBytes, warn: false},
		{bytes: WarnSecretDataBytes + 1, warn: true},
		{bytes: 950 << 10, warn: true},
		{bytes: MaxSecretDataBytes, warn: true},
	} {
		s := projectSecret(map[string]string{"big": strings.Repeat("x", tt.bytes)})
		warnings, err := DefaultPolicy.Review(Write{Operation: Create, User: "alice", New: s})
		if err != nil {
			t.Fatalf("%d bytes: denied: %v", tt.bytes, err)
		}
		if got := len(warnings) == 1 && strings.Contains(warnings[0], "of the 1024 KiB limit"); got != tt.warn {
			t.Errorf("%d bytes: warnings %q, want a warning: %v", tt.bytes, warnings, tt.warn)
		}
	}
}

func editValue(s *corev1.Secret, key, user string) *corev1.Secret {
	return edit(s, func(s *corev1.Secret) {
		s.Data[key] = append(s.Data[key], '!')
		editEntry(key, func(m *EntryMeta) { m.UpdatedAt, m.UpdatedBy = t1, user })(s)
	})
}

func withEntriesText(text string) func(*corev1.Secret) {
	return func(s *corev1.Secret) { s.Annotations[AnnotationEntries] = text }
}

func equalRules(a, b []Rule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
