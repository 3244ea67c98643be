package projsecret_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	. "github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var (
	t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	t1 = t0.Add(time.Hour)
)

// byAlice is the metadata of an entry created and last updated by alice
// at t0.
var byAlice = EntryMeta{Description: "d", CreatedAt: t0, UpdatedAt: t0, CreatedBy: "alice", UpdatedBy: "alice"}

// projectSecret is a valid project Secret for project "demo" whose entries
// were all created and last updated by alice at t0.
func projectSecret(values map[string]string) *corev1.Secret {
	return fixtures.Secret("ns", "demo", values, byAlice)
}

func TestPolicyReview(t *testing.T) {
	t.Parallel()
	base := projectSecret(map[string]string{"api-token": "v1", "DB_PASSWORD": "v2"})
	owned := fixtures.Edit(base, fixtures.WithOwners("user:alice,group:team-a"))
	envPolicy := Policy{KeyRule: EnvVarKeyRule, AdminGroups: []string{"system:masters"}}
	const gc = "system:serviceaccount:kube-system:generic-garbage-collector"
	// terminating is being deleted in the foreground; dependent has two
	// owners, the first blocking its owner's foreground deletion.
	terminating := fixtures.Edit(owned, withFinalizers("foregroundDeletion"), deleting)
	dependent := fixtures.Edit(owned, withOwnerRefs(ownerRef("a", true), ownerRef("b", false)))

	tests := []struct {
		name   string
		policy Policy
		w      Write
		// rules are the rules the denial must name, in order; empty means allowed.
		rules []Rule
		// bounded: the denial's rules are too many to list; only its size
		// and want are checked.
		bounded bool
		// want are fragments the denial message must contain.
		want []string
	}{
		{name: "create valid", w: Write{Operation: OpCreate, User: "alice", New: base}},
		{name: "create by another user than the entries name", w: Write{Operation: OpCreate, User: "bob", New: base},
			rules: []Rule{RuleMetadata, RuleMetadata}, want: []string{`entry "DB_PASSWORD" is new`, `requesting user "bob"`}},
		{name: "not a project secret is not judged", w: Write{Operation: OpCreate, User: "bob",
			New: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "plain"}, Data: map[string][]byte{"bad key!": nil}}}},
		{name: "create without object", w: Write{Operation: OpCreate, User: "alice", Old: base},
			rules: []Rule{RuleMetadata}, want: []string{"CREATE request carries no object"}},

		// Key naming.
		{name: "bad data key", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.AddEntry("bad.key", "x", byAlice))},
			rules: []Rule{RuleKeyNaming}, want: []string{`invalid key(s) "bad.key": expected ^[A-Za-z0-9_-]+$`}},
		{name: "bad stringData key", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base,
			func(s *corev1.Secret) { s.StringData = map[string]string{"bad/key": "x"} },
			fixtures.EditEntry("bad/key", func(m *EntryMeta) { *m = byAlice }))},
			rules: []Rule{RuleKeyNaming}, want: []string{`"bad/key"`}},
		{name: "update adding an invalid key", w: Write{Operation: OpUpdate, User: "alice", Old: base, New: fixtures.Edit(base, fixtures.AddEntry("has space", "x", EntryMeta{CreatedAt: t1, UpdatedAt: t1, CreatedBy: "alice", UpdatedBy: "alice"}))},
			rules: []Rule{RuleKeyNaming}, want: []string{`invalid key(s) "has space"`}},
		{name: "env rule refuses a dash", policy: envPolicy, w: Write{Operation: OpCreate, User: "alice", New: base},
			rules: []Rule{RuleKeyNaming}, want: []string{`"api-token"`, "POSIX environment variable name"}},
		{name: "env rule accepts env names", policy: envPolicy, w: Write{Operation: OpCreate, User: "alice",
			New: projectSecret(map[string]string{"DB_PASSWORD": "x", "_x1": "y"})}},

		// Project ownership: name, label, type.
		{name: "invalid project label", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, func(s *corev1.Secret) {
			s.Labels[LabelProject] = "Demo"
			s.Name = SecretName("Demo")
		})}, rules: []Rule{RuleOwnership}, want: []string{`project name "Demo" is invalid`}},
		{name: "name does not match label", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, func(s *corev1.Secret) { s.Name = "other" })},
			rules: []Rule{RuleOwnership}, want: []string{`secret "other" is labeled for project "demo": its name must be "proj-secrets-demo"`}},
		{name: "type not Opaque", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, func(s *corev1.Secret) { s.Type = corev1.SecretTypeDockerConfigJson })},
			rules: []Rule{RuleOwnership}, want: []string{`secret type is "kubernetes.io/dockerconfigjson": project secrets must be "Opaque"`}},
		{name: "label changed", w: Write{Operation: OpUpdate, User: "alice", Old: base, New: fixtures.Edit(base, func(s *corev1.Secret) {
			s.Labels[LabelProject] = "other"
			s.Name = SecretName("other")
		})}, rules: []Rule{RuleOwnership}, want: []string{"cannot be changed or removed", `it was "demo"`}},
		{name: "label removed", w: Write{Operation: OpUpdate, User: "alice", Old: base, New: fixtures.Edit(base, func(s *corev1.Secret) { delete(s.Labels, LabelProject) })},
			rules: []Rule{RuleOwnership, RuleOwnership}, want: []string{`label projsecret.io/project cannot be changed or removed (it was "demo")`}},
		{name: "label added to a plain secret is judged as new", w: Write{Operation: OpUpdate, User: "alice",
			Old: fixtures.Edit(base, func(s *corev1.Secret) { delete(s.Labels, LabelProject) }), New: base}},

		// Owners.
		{name: "owner user updates", w: Write{Operation: OpUpdate, User: "alice", Old: owned, New: editValue(owned, "api-token", "alice")}},
		{name: "owner group member updates", w: Write{Operation: OpUpdate, User: "carol", Groups: []string{"team-a"}, Old: owned, New: editValue(owned, "api-token", "carol")}},
		{name: "non-owner updates", w: Write{Operation: OpUpdate, User: "bob", Groups: []string{"team-b"}, Old: owned, New: editValue(owned, "api-token", "bob")},
			rules: []Rule{RuleOwnership}, want: []string{`user "bob" is not an owner of project "demo" (owners: user:alice,group:team-a; admins: group system:masters)`}},
		{name: "admin updates", w: Write{Operation: OpUpdate, User: "root", Groups: []string{"system:masters"}, Old: owned, New: editValue(owned, "api-token", "root")}},
		{name: "non-owner deletes", w: Write{Operation: OpDelete, User: "bob", Old: owned},
			rules: []Rule{RuleOwnership}, want: []string{`user "bob" is not an owner`}},
		{name: "owner deletes", w: Write{Operation: OpDelete, User: "alice", Old: owned}},
		{name: "admin deletes", w: Write{Operation: OpDelete, User: "root", Groups: []string{"system:masters"}, Old: owned}},
		{name: "non-admin deletes an ownerless project", w: Write{Operation: OpDelete, User: "bob", Old: base},
			rules: []Rule{RuleOwnership}, want: []string{`project "demo" has no owners: only an admin (group system:masters) may delete it, since whoever created it again would own it`}},
		{name: "custom admin group", policy: Policy{KeyRule: DefaultKeyRule, AdminGroups: []string{"ops"}},
			w:     Write{Operation: OpDelete, User: "root", Groups: []string{"system:masters"}, Old: owned},
			rules: []Rule{RuleOwnership}, want: []string{"admins: group ops"}},
		{name: "custom admin group deletes", policy: Policy{KeyRule: DefaultKeyRule, AdminGroups: []string{"ops"}},
			w: Write{Operation: OpDelete, User: "dave", Groups: []string{"ops"}, Old: owned}},
		{name: "non-owner rewrites the owners", w: Write{Operation: OpUpdate, User: "bob", Old: owned, New: fixtures.Edit(owned, fixtures.WithOwners("user:bob"))},
			rules: []Rule{RuleOwnership}, want: []string{`user "bob" is not an owner`}},
		{name: "non-owner removes the owners list", w: Write{Operation: OpUpdate, User: "bob", Old: owned, New: base},
			rules: []Rule{RuleOwnership}, want: []string{`user "bob" is not an owner`}},
		{name: "owner hands the list over without self", w: Write{Operation: OpUpdate, User: "alice", Old: owned, New: fixtures.Edit(owned, fixtures.WithOwners("user:bob"))},
			rules: []Rule{RuleOwnership}, want: []string{`sets owners user:bob without being one of them`}},
		{name: "owner extends the list", w: Write{Operation: OpUpdate, User: "alice", Old: owned, New: fixtures.Edit(owned, fixtures.WithOwners("user:alice,user:bob"))}},
		{name: "create with owners including creator", w: Write{Operation: OpCreate, User: "alice", New: owned}},
		{name: "create with owners excluding creator", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:bob"))},
			rules: []Rule{RuleOwnership}, want: []string{`user "alice" sets owners user:bob`}},
		{name: "admin creates for others", w: Write{Operation: OpCreate, User: "alice", Groups: []string{"system:masters"}, New: fixtures.Edit(base, fixtures.WithOwners("user:bob"))}},
		{name: "invalid owners on create", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("alice"))},
			rules: []Rule{RuleOwnership}, want: []string{`owner "alice" is invalid: expected user:NAME or group:NAME`}},
		{name: "empty stored owners guard nothing", w: Write{Operation: OpUpdate, User: "bob", Old: fixtures.Edit(base, fixtures.WithOwners("")), New: editValue(fixtures.Edit(base, fixtures.WithOwners("")), "api-token", "bob")}},
		{name: "unreadable stored owners admit only admins", w: Write{Operation: OpDelete, User: "alice", Old: fixtures.Edit(base, fixtures.WithOwners("alice"))},
			rules: []Rule{RuleOwnership}, want: []string{"is unreadable", "until an admin fixes the list"}},
		{name: "admin repairs unreadable stored owners", w: Write{Operation: OpUpdate, User: "root", Groups: []string{"system:masters"}, Old: fixtures.Edit(base, fixtures.WithOwners("alice")), New: owned}},

		// Metadata.
		{name: "entries annotation missing", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, func(s *corev1.Secret) { delete(s.Annotations, AnnotationEntries) })},
			rules: []Rule{RuleMetadata, RuleMetadata}, want: []string{"annotation projsecret.io/entries is missing", `key(s) DB_PASSWORD, api-token have no entry`}},
		{name: "entries unknown field", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, func(s *corev1.Secret) {
			s.Annotations[AnnotationEntries] = strings.Replace(s.Annotations[AnnotationEntries], `"description"`, `"secret":"x","description"`, 1)
		})}, rules: []Rule{RuleMetadata}, want: []string{`unknown field "DB_PASSWORD.secret"`, "expected only description"}},
		{name: "entries not an object", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withEntriesText(`["api-token"]`))},
			rules: []Rule{RuleMetadata}, want: []string{"is not a JSON object of entries"}},
		{name: "entries that are not JSON", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withEntriesText("api-token,DB_PASSWORD"))},
			rules: []Rule{RuleMetadata}, want: []string{"is not a JSON object of entries"}},
		{name: "entries null", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withEntriesText(`null`))},
			rules: []Rule{RuleMetadata}, want: []string{"is null"}},
		{name: "entries empty", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(projectSecret(nil), withEntriesText(""))},
			rules: []Rule{RuleMetadata}, want: []string{"annotation projsecret.io/entries is empty: expected a JSON object of entries ({} when there are none)"}},
		{name: "entries {} with no values", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(projectSecret(nil), withEntriesText("{}"))}},
		{name: "entry without data key", w: Write{Operation: OpUpdate, User: "alice", Old: base, New: fixtures.Edit(base, func(s *corev1.Secret) { delete(s.Data, "api-token") })},
			rules: []Rule{RuleMetadata}, want: []string{"has entries api-token with no data key"}},
		{name: "a key without an entry", w: Write{Operation: OpUpdate, User: "alice", Old: base, New: fixtures.Edit(base, func(s *corev1.Secret) { s.Data["extra"] = []byte("x") })},
			rules: []Rule{RuleMetadata}, want: []string{"key(s) extra have no entry in annotation projsecret.io/entries"}},
		{name: "a stringData key without an entry", w: Write{Operation: OpUpdate, User: "alice", Old: base, New: fixtures.Edit(base, func(s *corev1.Secret) { s.StringData = map[string]string{"extra": "x"} })},
			rules: []Rule{RuleMetadata}, want: []string{"key(s) extra have no entry in annotation projsecret.io/entries"}},
		{name: "timestamp does not parse", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, func(s *corev1.Secret) {
			s.Annotations[AnnotationEntries] = strings.Replace(s.Annotations[AnnotationEntries], t0.Format(time.RFC3339), "yesterday", 1)
		})}, rules: []Rule{RuleMetadata}, want: []string{"projsecret.io/entries"}},
		// Expiry (expiresAt, rotateEvery).
		{name: "expiry fields valid", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) {
			m.ExpiresAt, m.RotateEvery = t1.Add(720*time.Hour), 720*time.Hour
		}))}},
		{name: "expiresAt with an offset", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withRawField(`"expiresAt":"2026-01-02T04:04:05+01:00"`))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "DB_PASSWORD": expiresAt "2026-01-02T04:04:05+01:00" is not a timestamp in RFC 3339, UTC, whole seconds, with Z`}},
		{name: "expiresAt with a fraction", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withRawField(`"expiresAt":"2026-01-02T04:04:05.5Z"`))},
			rules: []Rule{RuleMetadata}, want: []string{`expiresAt "2026-01-02T04:04:05.5Z" is not a timestamp`}},
		{name: "expiresAt empty", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withRawField(`"expiresAt":""`))},
			rules: []Rule{RuleMetadata}, want: []string{`expiresAt "" is not a timestamp`}},
		{name: "expiresAt a number", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withRawField(`"expiresAt":1767225600`))},
			rules: []Rule{RuleMetadata}, want: []string{"is not a JSON object of entries"}},
		{name: "rotateEvery not a duration", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withRawField(`"rotateEvery":"monthly"`))},
			rules: []Rule{RuleMetadata}, want: []string{`rotateEvery "monthly" is not a Go duration`}},
		{name: "rotateEvery under an hour", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withRawField(`"rotateEvery":"59m59s"`))},
			rules: []Rule{RuleMetadata}, want: []string{"rotateEvery 59m59s is out of range: expected from 1h to 87600h"}},
		{name: "rotateEvery over ten years", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withRawField(`"rotateEvery":"87601h"`))},
			rules: []Rule{RuleMetadata}, want: []string{"rotateEvery 87601h is out of range"}},
		{name: "rotateEvery zero", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withRawField(`"rotateEvery":"0s"`))},
			rules: []Rule{RuleMetadata}, want: []string{"rotateEvery is 0"}},
		{name: "rotateEvery in fractions of a second", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withRawField(`"rotateEvery":"1h0.5s"`))},
			rules: []Rule{RuleMetadata}, want: []string{"is not whole seconds"}},
		{name: "Expiry in the wrong case", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, withRawField(`"ExpiresAt":"2026-01-02T04:04:05Z"`))},
			rules: []Rule{RuleMetadata}, want: []string{"expected only description, labels, createdAt, updatedAt, createdBy, updatedBy, expiresAt, rotateEvery"}},
		{name: "expiry changed, updatedBy someone else", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.ExpiresAt = t1.Add(time.Hour) }))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token" changed: updatedBy must be the requesting user "bob", not "alice"`}},
		{name: "rotateEvery removed, updatedBy someone else", w: Write{Operation: OpUpdate, User: "bob",
			Old: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.RotateEvery = 24 * time.Hour })), New: base},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token" changed: updatedBy must be the requesting user "bob"`}},
		{name: "updatedAt before createdAt", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.UpdatedAt = t0.Add(-time.Second) }))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token": updatedAt 2025-01-02T03:04:04Z is before createdAt 2025-01-02T03:04:05Z`}},
		{name: "description too long", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.Description = strings.Repeat("é", MaxDescriptionLength+1) }))},
			rules: []Rule{RuleMetadata}, want: []string{"description is 1025 characters long"}},
		{name: "bad entry label", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.Labels = map[string]string{"team": "a b"} }))},
			rules: []Rule{RuleMetadata}, want: []string{`label "team" value "a b" is invalid`}},
		{name: "createdBy rewritten", w: Write{Operation: OpUpdate, User: "alice", Old: base, New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.CreatedBy = "bob" }))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token": createdAt and createdBy cannot change`}},
		{name: "createdAt rewritten", w: Write{Operation: OpUpdate, User: "alice", Old: base, New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.CreatedAt = t0.Add(-time.Hour) }))},
			rules: []Rule{RuleMetadata}, want: []string{"createdAt and createdBy cannot change"}},
		{name: "value changed, updatedBy someone else", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, func(s *corev1.Secret) { s.Data["api-token"] = []byte("v9") })},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token" changed: updatedBy must be the requesting user "bob", not "alice"`}},
		{name: "value changed by stringData, updatedBy someone else", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, func(s *corev1.Secret) {
			s.StringData = map[string]string{"api-token": "v9"}
		})}, rules: []Rule{RuleMetadata}, want: []string{`entry "api-token" changed`}},
		{name: "value changed, updatedBy the writer", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: editValue(base, "api-token", "bob")}},
		{name: "description changed, updatedBy someone else", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.Description = "new" }))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token" changed`}},
		{name: "updatedBy forged to a third user", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.UpdatedBy = "carol" }))},
			rules: []Rule{RuleMetadata}, want: []string{`not "carol"`}},
		// Each field on its own makes an entry changed (clausemut: one term
		// of changed() removed).
		{name: "labels changed, updatedBy someone else", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.Labels = map[string]string{"team": "b"} }))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token" changed: updatedBy must be the requesting user "bob", not "alice"`}},
		{name: "updatedAt changed, updatedBy someone else", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.UpdatedAt = t1 }))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token" changed: updatedBy must be the requesting user "bob", not "alice"`}},
		{name: "create ignores an Old it should not have", w: Write{Operation: OpCreate, User: "bob", Old: base, New: base},
			rules: []Rule{RuleMetadata, RuleMetadata}, want: []string{`entry "DB_PASSWORD" is new`, `entry "api-token" is new`}},
		{name: "stored entry invalid only by its createdAt, repaired by its author: judged new", w: Write{Operation: OpUpdate, User: "alice",
			Old: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.CreatedAt = t1 })), New: base}},
		{name: "other entries keep their authors", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, fixtures.AddEntry("NEW", "n", EntryMeta{CreatedAt: t1, UpdatedAt: t1, CreatedBy: "bob", UpdatedBy: "bob"}))}},
		{name: "new entry credited to someone else", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, fixtures.AddEntry("NEW", "n", EntryMeta{CreatedAt: t1, UpdatedAt: t1, CreatedBy: "alice", UpdatedBy: "bob"}))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "NEW" is new: createdBy and updatedBy must be the requesting user "bob"`}},
		{name: "new entry created by the writer, updatedBy someone else", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, fixtures.AddEntry("NEW", "n", EntryMeta{CreatedAt: t1, UpdatedAt: t1, CreatedBy: "bob", UpdatedBy: "alice"}))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "NEW" is new: createdBy and updatedBy must be the requesting user "bob"`}},
		{name: "entry removed", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, func(s *corev1.Secret) {
			delete(s.Data, "api-token")
			e := fixtures.EntriesOf(s)
			delete(e, "api-token")
			fixtures.SetEntries(s, e)
		})}},
		{name: "label added to a plain secret judges every entry as new", w: Write{Operation: OpUpdate, User: "bob",
			Old: fixtures.Edit(base, func(s *corev1.Secret) { delete(s.Labels, LabelProject) }), New: base},
			rules: []Rule{RuleMetadata, RuleMetadata}, want: []string{`entry "DB_PASSWORD" is new`, `entry "api-token" is new`}},
		{name: "unreadable stored entries: all judged new", w: Write{Operation: OpUpdate, User: "bob", Old: fixtures.Edit(base, withEntriesText("{")), New: base},
			rules: []Rule{RuleMetadata, RuleMetadata}, want: []string{`entry "DB_PASSWORD" is new`}},
		{name: "stored entries with an invalid one: all judged new", w: Write{Operation: OpUpdate, User: "bob", Old: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.Labels = map[string]string{"bad key!": "x"} })), New: base},
			rules: []Rule{RuleMetadata, RuleMetadata}, want: []string{`entry "DB_PASSWORD" is new`}},
		{name: "stored entry invalid only by its updatedAt: all judged new", w: Write{Operation: OpUpdate, User: "bob",
			Old: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.UpdatedAt = t0.Add(-time.Second) })), New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.UpdatedAt = t1 }))},
			rules: []Rule{RuleMetadata, RuleMetadata}, want: []string{`entry "DB_PASSWORD" is new`, `entry "api-token" is new`}},

		// Claiming an ownerless project is an admin act.
		{name: "takeover of an ownerless project by annotate", w: Write{Operation: OpUpdate, User: "mallory", Old: base, New: fixtures.Edit(base, fixtures.WithOwners("user:mallory"))},
			rules: []Rule{RuleOwnership}, want: []string{`project "demo" has no owners: only an admin (group system:masters) may give it its first owners`}},
		{name: "takeover of a project with an empty owners list", w: Write{Operation: OpUpdate, User: "mallory", Old: fixtures.Edit(base, fixtures.WithOwners(" , ")), New: fixtures.Edit(base, fixtures.WithOwners("user:mallory,group:x"))},
			rules: []Rule{RuleOwnership}, want: []string{"has no owners"}},
		{name: "takeover along with a value change", w: Write{Operation: OpUpdate, User: "mallory", Old: base, New: fixtures.Edit(editValue(base, "api-token", "mallory"), fixtures.WithOwners("user:mallory"))},
			rules: []Rule{RuleOwnership}, want: []string{"has no owners"}},
		{name: "admin group gives an ownerless project owners", w: Write{Operation: OpUpdate, User: "root", Groups: []string{"system:masters"}, Old: base, New: fixtures.Edit(base, fixtures.WithOwners("user:alice"))}},
		{name: "admin user gives an ownerless project owners", policy: Policy{KeyRule: DefaultKeyRule, AdminUsers: []string{"ops-lead"}},
			w: Write{Operation: OpUpdate, User: "ops-lead", Old: base, New: fixtures.Edit(base, fixtures.WithOwners("user:alice"))}},
		{name: "non-admin deletes a project with an empty owners list", w: Write{Operation: OpDelete, User: "bob", Old: fixtures.Edit(base, fixtures.WithOwners(" , "))},
			rules: []Rule{RuleOwnership}, want: []string{"has no owners: only an admin (group system:masters) may delete it"}},
		{name: "non-admin in a team deletes an ownerless project", w: Write{Operation: OpDelete, User: "carol", Groups: []string{"team-a", "system:authenticated"}, Old: base},
			rules: []Rule{RuleOwnership}, want: []string{"may delete it"}},
		{name: "admin group deletes an ownerless project", w: Write{Operation: OpDelete, User: "root", Groups: []string{"system:masters"}, Old: base}},
		{name: "admin user deletes an ownerless project", policy: Policy{KeyRule: DefaultKeyRule, AdminUsers: []string{"ops-lead"}},
			w: Write{Operation: OpDelete, User: "ops-lead", Old: base}},
		{name: "denial of an ownerless delete names admin users", policy: Policy{KeyRule: DefaultKeyRule, AdminUsers: []string{"ops-lead"}},
			w: Write{Operation: OpDelete, User: "bob", Old: base}, rules: []Rule{RuleOwnership}, want: []string{"only an admin (user ops-lead) may delete it"}},
		{name: "cleanup user deletes an ownerless project", w: Write{Operation: OpDelete, User: "system:serviceaccount:kube-system:namespace-controller", Old: base}},
		{name: "non-admin still changes an ownerless project", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: editValue(base, "api-token", "bob")}},
		{name: "non-admin still removes every entry of an ownerless project", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, func(s *corev1.Secret) {
			s.Data = nil
			fixtures.SetEntries(s, Entries{})
		})}},
		{name: "label added with owners naming the requester", w: Write{Operation: OpUpdate, User: "alice",
			Old: fixtures.Edit(base, func(s *corev1.Secret) { delete(s.Labels, LabelProject) }), New: fixtures.Edit(base, fixtures.WithOwners("user:alice"))}},
		{name: "label added with owners leaving the requester out", w: Write{Operation: OpUpdate, User: "alice",
			Old: fixtures.Edit(base, func(s *corev1.Secret) { delete(s.Labels, LabelProject) }), New: fixtures.Edit(base, fixtures.WithOwners("user:bob"))},
			rules: []Rule{RuleOwnership}, want: []string{"without being one of them"}},

		// Admins by user.
		{name: "admin user updates an owned project", policy: Policy{KeyRule: DefaultKeyRule, AdminUsers: []string{"ops-lead"}},
			w: Write{Operation: OpUpdate, User: "ops-lead", Old: owned, New: editValue(owned, "api-token", "ops-lead")}},
		{name: "admin user deletes an owned project", policy: Policy{KeyRule: DefaultKeyRule, AdminUsers: []string{"ops-lead"}},
			w: Write{Operation: OpDelete, User: "ops-lead", Old: owned}},
		{name: "cluster-admin by RBAC is no admin here", w: Write{Operation: OpDelete, User: "kubernetes-admin", Groups: []string{"kubeadm:cluster-admins", "system:authenticated"}, Old: owned},
			rules: []Rule{RuleOwnership}, want: []string{`user "kubernetes-admin" is not an owner`}},
		{name: "denial names admin users and groups", policy: Policy{KeyRule: DefaultKeyRule, AdminUsers: []string{"ops-lead"}, AdminGroups: []string{"ops"}},
			w:     Write{Operation: OpDelete, User: "bob", Old: owned},
			rules: []Rule{RuleOwnership}, want: []string{"admins: user ops-lead, group ops"}},
		{name: "denial says when no admin is configured", policy: Policy{KeyRule: DefaultKeyRule},
			w:     Write{Operation: OpDelete, User: "bob", Old: owned},
			rules: []Rule{RuleOwnership}, want: []string{"admins: none configured"}},

		// Cleanup identities delete, nothing else.
		{name: "namespace controller deletes an owned project", w: Write{Operation: OpDelete, User: "system:serviceaccount:kube-system:namespace-controller", Old: owned}},
		{name: "controller manager deletes an owned project", w: Write{Operation: OpDelete, User: "system:kube-controller-manager", Old: owned}},
		{name: "garbage collector deletes an owned project", w: Write{Operation: OpDelete, User: "system:serviceaccount:kube-system:generic-garbage-collector", Old: owned}},
		{name: "cleanup user deletes a project with unreadable owners", w: Write{Operation: OpDelete, User: "system:kube-controller-manager", Old: fixtures.Edit(base, fixtures.WithOwners("alice"))}},
		{name: "cleanup user updates", w: Write{Operation: OpUpdate, User: "system:serviceaccount:kube-system:namespace-controller", Old: owned, New: editValue(owned, "api-token", "system:serviceaccount:kube-system:namespace-controller")},
			rules: []Rule{RuleOwnership}, want: []string{`user "system:serviceaccount:kube-system:namespace-controller" is a cleanup identity: it may delete project secrets or remove their finalizers and owner references, and change nothing else (it changes data)`}},
		{name: "cleanup user updates an ownerless project", w: Write{Operation: OpUpdate, User: "system:kube-controller-manager", Old: base, New: fixtures.Edit(base, fixtures.WithOwners("user:system:kube-controller-manager"))},
			rules: []Rule{RuleOwnership}, want: []string{"is a cleanup identity"}},
		{name: "cleanup user creates", w: Write{Operation: OpCreate, User: "system:kube-controller-manager", New: base},
			rules: []Rule{RuleOwnership}, want: []string{"is a cleanup identity", "(it creates one)"}},
		{name: "cleanup user in an admin group still only deletes", w: Write{Operation: OpUpdate, User: "system:kube-controller-manager", Groups: []string{"system:masters"}, Old: owned, New: base},
			rules: []Rule{RuleOwnership}, want: []string{"is a cleanup identity"}},
		{name: "cleanup users replaced", policy: Policy{KeyRule: DefaultKeyRule, AdminGroups: []string{"system:masters"}, CleanupUsers: []string{"cleaner"}},
			w:     Write{Operation: OpDelete, User: "system:kube-controller-manager", Old: owned},
			rules: []Rule{RuleOwnership}, want: []string{"is not an owner"}},

		// Cleanup identities release: the garbage collector's UPDATEs that
		// end a foreground or orphan delete, orphan a dependent, or break a
		// cycle of foreground deletes.
		{name: "garbage collector removes the foregroundDeletion finalizer", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers())}},
		{name: "garbage collector removes the orphan finalizer of an ownerless project", w: Write{Operation: OpUpdate, User: gc,
			Old: fixtures.Edit(base, withFinalizers("orphan"), deleting), New: fixtures.Edit(base, deleting)}},
		{name: "garbage collector removes one finalizer and keeps another", w: Write{Operation: OpUpdate, User: gc,
			Old: fixtures.Edit(terminating, withFinalizers("example.com/keep", "foregroundDeletion", "example.com/last")), New: fixtures.Edit(terminating, withFinalizers("example.com/keep", "example.com/last"))}},
		{name: "garbage collector removes an owner reference", w: Write{Operation: OpUpdate, User: gc, Old: dependent, New: fixtures.Edit(dependent, withOwnerRefs(ownerRef("b", false)))}},
		{name: "garbage collector removes every owner reference", w: Write{Operation: OpUpdate, User: gc, Old: dependent, New: fixtures.Edit(dependent, withOwnerRefs())}},
		{name: "garbage collector unblocks an owner reference", w: Write{Operation: OpUpdate, User: gc, Old: dependent, New: fixtures.Edit(dependent, withOwnerRefs(ownerRef("a", false), ownerRef("b", false)))}},
		{name: "garbage collector release of a project with unreadable entries", w: Write{Operation: OpUpdate, User: gc,
			Old: fixtures.Edit(terminating, withEntriesText("{")), New: fixtures.Edit(terminating, withEntriesText("{"), withFinalizers())}},
		{name: "release with server-set fields changed", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), func(s *corev1.Secret) {
			s.ResourceVersion, s.Generation = "43", 7
			s.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "garbage-collector", Operation: metav1.ManagedFieldsOperationUpdate}}
			s.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}
		})}},
		{name: "cleanup update that changes nothing", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: terminating}},
		{name: "release that also changes a value", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), func(s *corev1.Secret) { s.Data["api-token"] = []byte("v9") })},
			rules: []Rule{RuleOwnership}, want: []string{`user "system:serviceaccount:kube-system:generic-garbage-collector" is a cleanup identity`, "(it changes data)"}},
		{name: "release that also adds a value", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), fixtures.AddEntry("NEW", "v9", byAlice))},
			rules: []Rule{RuleOwnership}, want: []string{"(it changes data)"}},
		{name: "release that also sends stringData", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), func(s *corev1.Secret) { s.StringData = map[string]string{"api-token": "v1"} })},
			rules: []Rule{RuleOwnership}, want: []string{"(it changes data)"}},
		{name: "release that also rewrites the owners", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), fixtures.WithOwners("user:"+gc))},
			rules: []Rule{RuleOwnership}, want: []string{"(it changes annotation projsecret.io/owners)"}},
		{name: "release that also gives an ownerless project owners", w: Write{Operation: OpUpdate, User: gc,
			Old: fixtures.Edit(base, withFinalizers("orphan"), deleting), New: fixtures.Edit(base, deleting, fixtures.WithOwners("user:mallory"))},
			rules: []Rule{RuleOwnership}, want: []string{"(it changes annotation projsecret.io/owners)"}},
		{name: "release that also changes an entry's metadata", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), fixtures.EditEntry("api-token", func(m *EntryMeta) { m.Description = "new" }))},
			rules: []Rule{RuleOwnership}, want: []string{"(it changes annotations)"}},
		{name: "release that also adds an annotation", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), func(s *corev1.Secret) { s.Annotations["example.com/note"] = "x" })},
			rules: []Rule{RuleOwnership}, want: []string{"(it changes annotations)"}},
		{name: "release that also adds a label", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), func(s *corev1.Secret) { s.Labels["example.com/x"] = "y" })},
			rules: []Rule{RuleOwnership}, want: []string{"(it changes labels)"}},
		{name: "release that also makes the project immutable", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), setImmutable(true))},
			rules: []Rule{RuleOwnership}, want: []string{"(it changes the type, immutable or other metadata)"}},
		{name: "release that also changes the type", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), func(s *corev1.Secret) { s.Type = corev1.SecretTypeTLS })},
			rules: []Rule{RuleOwnership}, want: []string{"(it changes the type, immutable or other metadata)"}},
		{name: "release that also changes other metadata", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), func(s *corev1.Secret) { s.DeletionGracePeriodSeconds = new(int64(30)) })},
			rules: []Rule{RuleOwnership}, want: []string{"(it changes the type, immutable or other metadata)"}},
		{name: "garbage collector adds a finalizer", w: Write{Operation: OpUpdate, User: gc, Old: owned, New: fixtures.Edit(owned, withFinalizers("example.com/never"))},
			rules: []Rule{RuleOwnership}, want: []string{"(it adds or reorders finalizers)"}},
		{name: "garbage collector swaps a finalizer", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers("example.com/never"))},
			rules: []Rule{RuleOwnership}, want: []string{"(it adds or reorders finalizers)"}},
		{name: "garbage collector reorders finalizers", w: Write{Operation: OpUpdate, User: gc,
			Old: fixtures.Edit(terminating, withFinalizers("a.example.com/x", "b.example.com/y")), New: fixtures.Edit(terminating, withFinalizers("b.example.com/y", "a.example.com/x"))},
			rules: []Rule{RuleOwnership}, want: []string{"(it adds or reorders finalizers)"}},
		{name: "garbage collector adds an owner reference", w: Write{Operation: OpUpdate, User: gc, Old: dependent, New: fixtures.Edit(dependent, withOwnerRefs(ownerRef("a", true), ownerRef("b", false), ownerRef("c", false)))},
			rules: []Rule{RuleOwnership}, want: []string{"(it adds, reorders or changes owner references)"}},
		{name: "garbage collector points an owner reference elsewhere", w: Write{Operation: OpUpdate, User: gc, Old: dependent, New: fixtures.Edit(dependent, withOwnerRefs(ownerRef("a", true), ownerRef("c", false)))},
			rules: []Rule{RuleOwnership}, want: []string{"owner references"}},
		{name: "garbage collector blocks an owner reference", w: Write{Operation: OpUpdate, User: gc, Old: dependent, New: fixtures.Edit(dependent, withOwnerRefs(ownerRef("a", true), ownerRef("b", true)))},
			rules: []Rule{RuleOwnership}, want: []string{"owner references"}},
		{name: "garbage collector makes an owner reference the controller", w: Write{Operation: OpUpdate, User: gc, Old: dependent, New: fixtures.Edit(dependent, withOwnerRefs(ownerRef("a", true), func() metav1.OwnerReference {
			r := ownerRef("b", false)
			r.Controller = new(true)
			return r
		}()))}, rules: []Rule{RuleOwnership}, want: []string{"owner references"}},
		{name: "garbage collector removes the label", w: Write{Operation: OpUpdate, User: gc, Old: terminating, New: fixtures.Edit(terminating, withFinalizers(), func(s *corev1.Secret) { delete(s.Labels, LabelProject) })},
			rules: []Rule{RuleOwnership}, want: []string{"(it changes labels)"}},
		{name: "release request without the stored object", w: Write{Operation: OpUpdate, User: gc, New: fixtures.Edit(terminating, withFinalizers())},
			rules: []Rule{RuleOwnership}, want: []string{"does not carry both"}},

		// A project Secret stays writable.
		{name: "create immutable", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, setImmutable(true))},
			rules: []Rule{RuleOwnership}, want: []string{"immutable is true: project secrets must stay writable"}},
		{name: "ownerless project made immutable", w: Write{Operation: OpUpdate, User: "mallory", Old: base, New: fixtures.Edit(base, setImmutable(true))},
			rules: []Rule{RuleOwnership}, want: []string{"immutable is true"}},
		{name: "owner makes the project immutable", w: Write{Operation: OpUpdate, User: "alice", Old: owned, New: fixtures.Edit(owned, setImmutable(true))},
			rules: []Rule{RuleOwnership}, want: []string{"immutable is true"}},
		{name: "immutable false is writable", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, setImmutable(false))}},
		{name: "empty type is Opaque", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, func(s *corev1.Secret) { s.Type = "" })}},

		// Printable text.
		{name: "owner name with an escape sequence", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,user:mal\x1b[2Jlory"))},
			rules: []Rule{RuleOwnership}, want: []string{`owner "user:mal\x1b[2Jlory" holds the control character U+001B`}},
		{name: "owner name with a newline", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,group:a\nb"))},
			rules: []Rule{RuleOwnership}, want: []string{"U+000A"}},
		{name: "owner name with a zero-width space", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,user:alice\u200b"))},
			rules: []Rule{RuleOwnership}, want: []string{`annotation projsecret.io/owners: owner "user:alice\u200b" holds the format character U+200B, which is invisible or reorders text: owner names must be printable, so that each reads as the subject it is`}},
		{name: "owner name with a direction override", w: Write{Operation: OpUpdate, User: "alice", Old: owned, New: fixtures.Edit(owned, fixtures.WithOwners("user:alice,group:\u202eadmins"))},
			rules: []Rule{RuleOwnership}, want: []string{`owner "group:\u202eadmins" holds the format character U+202E`}},
		{name: "owner name with a soft hyphen", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,user:bo\u00adb"))},
			rules: []Rule{RuleOwnership}, want: []string{`owner "user:bo\u00adb" holds the format character U+00AD`}},
		{name: "owner name with a byte order mark", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,\ufeffuser:bob"))},
			rules: []Rule{RuleOwnership}, want: []string{`expected user:NAME or group:NAME`}},
		{name: "owner name ending in a byte order mark", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,user:bob\ufeff"))},
			rules: []Rule{RuleOwnership}, want: []string{`owner "user:bob\ufeff" holds the format character U+FEFF`}},
		{name: "owner name with a zero-width joiner", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,user:al\u200dice"))},
			rules: []Rule{RuleOwnership}, want: []string{"U+200D"}},
		{name: "owner name with a no-break space", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,user:bob\u00a0smith"))},
			rules: []Rule{RuleOwnership}, want: []string{`owner "user:bob\u00a0smith" holds the non-printable character U+00A0`}},
		{name: "owner name with a line separator", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,user:a\u2028b"))},
			rules: []Rule{RuleOwnership}, want: []string{"the non-printable character U+2028"}},
		{name: "owner name with a private-use character", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,user:a\ue000"))},
			rules: []Rule{RuleOwnership}, want: []string{"the non-printable character U+E000"}},
		{name: "owner name that is not UTF-8", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,user:a\xffb"))},
			rules: []Rule{RuleOwnership}, want: []string{`owner "user:a\xffb" holds the byte 0xFF, which is not UTF-8`}},
		{name: "owner name with a C1 control", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,user:a\u0085b"))},
			rules: []Rule{RuleOwnership}, want: []string{"the control character U+0085"}},
		{name: "owner names in other scripts and with marks", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.WithOwners("user:alice,user:zoë,user:e\u0301mile,group:équipe a,user:ユーザー,user:\ufffd"))}},
		{name: "stored owner with a zero-width space admits only admins", w: Write{Operation: OpUpdate, User: "alice", Old: fixtures.Edit(owned, fixtures.WithOwners("user:alice\u200b")), New: editValue(fixtures.Edit(owned, fixtures.WithOwners("user:alice\u200b")), "api-token", "alice")},
			rules: []Rule{RuleOwnership, RuleOwnership}, want: []string{"is unreadable", "U+200B", "until an admin fixes the list"}},
		{name: "admin replaces a stored owner with a zero-width space", w: Write{Operation: OpUpdate, User: "root", Groups: []string{"system:masters"}, Old: fixtures.Edit(owned, fixtures.WithOwners("user:alice\u200b")), New: owned}},
		{name: "description with an escape sequence", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.Description = "ok\x1b]0;pwned\x07" }))},
			rules: []Rule{RuleMetadata}, want: []string{`entry "api-token": description holds the control character U+001B`}},
		{name: "description with a C1 control", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.Description = "a\u009bb" }))},
			rules: []Rule{RuleMetadata}, want: []string{"U+009B"}},
		{name: "description with newlines and tabs", w: Write{Operation: OpCreate, User: "alice", New: fixtures.Edit(base, fixtures.EditEntry("api-token", func(m *EntryMeta) { m.Description = "line one\n\tline two" }))}},
		{name: "entry key with an escape sequence is quoted escaped", w: Write{Operation: OpUpdate, User: "alice", Old: base, New: fixtures.Edit(base, fixtures.EditEntry("x\x1b[2J", func(m *EntryMeta) { *m = byAlice }))},
			rules: []Rule{RuleMetadata}, want: []string{`has entries x\x1b[2J with no data key`}},

		// Bounded messages.
		{name: "huge stored owners list", w: Write{Operation: OpUpdate, User: "bob", Old: fixtures.Edit(owned, fixtures.WithOwners(hugeOwners(2000))), New: editValue(fixtures.Edit(owned, fixtures.WithOwners(hugeOwners(2000))), "api-token", "bob")},
			rules: []Rule{RuleOwnership}, want: []string{"is not an owner", "and 1990 more"}},
		{name: "huge owners list set without self", w: Write{Operation: OpCreate, User: "bob", New: fixtures.Edit(base, fixtures.WithOwners(hugeOwners(2000)))},
			rules: []Rule{RuleOwnership, RuleMetadata, RuleMetadata}, want: []string{"without being one of them", "and 1990 more"}},
		{name: "one 200 KiB owner name", w: Write{Operation: OpDelete, User: "bob", Old: fixtures.Edit(base, fixtures.WithOwners("user:alice,group:"+strings.Repeat("g", 200<<10)))},
			rules: []Rule{RuleOwnership}, want: []string{"(204806 bytes)"}},
		{name: "200 KiB user name", w: Write{Operation: OpDelete, User: strings.Repeat("u", 200<<10), Old: owned},
			rules: []Rule{RuleOwnership}, want: []string{"(204800 bytes) is not an owner"}},
		{name: "thousands of violations", w: Write{Operation: OpUpdate, User: "bob", Old: base, New: fixtures.Edit(base, func(s *corev1.Secret) {
			e := fixtures.EntriesOf(s)
			for i := range 1000 {
				key := fmt.Sprintf("%s-%d", strings.Repeat("k", 58), i)
				s.Data[key] = []byte("x")
				e[key] = EntryMeta{CreatedAt: t1, UpdatedAt: t1, CreatedBy: "alice", UpdatedBy: "alice"}
			}
			fixtures.SetEntries(s, e)
		})}, rules: nil, want: []string{"more"}, bounded: true},

		// Size.
		{name: "over 1 MiB of values", w: Write{Operation: OpCreate, User: "alice", New: projectSecret(map[string]string{"big": strings.Repeat("x", MaxSecretDataBytes+1)})},
			rules: []Rule{RuleSize}, want: []string{"values total 1048577 bytes, 1 over the API server's limit of 1048576"}},
		{name: "every rule at once", w: Write{Operation: OpUpdate, User: "bob", Old: owned, New: fixtures.Edit(owned, func(s *corev1.Secret) {
			s.Type = corev1.SecretTypeTLS
			s.Data["a b"] = []byte("x")
		})}, rules: []Rule{RuleOwnership, RuleKeyNaming, RuleMetadata, RuleOwnership}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			if p.KeyRule.String() == "" {
				p = DefaultPolicy()
			}
			if p.Now == nil {
				// The fixtures' entries were written at t0 and changed at
				// t1; the clock reads t1 and the window covers both (the
				// clock rule has its own test).
				p.Now, p.ClockSkew = func() time.Time { return t1 }, 2*time.Hour
			}
			warnings, err := p.Review(tt.w)
			if err != nil {
				checkBounded(t, err.Error())
			}
			if len(tt.rules) == 0 && !tt.bounded {
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
			if !tt.bounded && !equalRules(rules, tt.rules) {
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
	t.Parallel()
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
		p := DefaultPolicy()
		p.Now = func() time.Time { return t0 }
		warnings, err := p.Review(Write{Operation: OpCreate, User: "alice", New: s})
		if err != nil {
			t.Fatalf("%d bytes: denied: %v", tt.bytes, err)
		}
		if got := len(warnings) == 1 && strings.Contains(warnings[0], "of the 1024 KiB limit"); got != tt.warn {
			t.Errorf("%d bytes: warnings %q, want a warning: %v", tt.bytes, warnings, tt.warn)
		}
	}
}

// TestPolicyReviewWarnsOfExpiredEntries: a write that leaves entries
// expired is allowed, with one warning naming them; one that does not has
// none.
func TestPolicyReviewWarnsOfExpiredEntries(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	p.Now = func() time.Time { return t0 }
	for _, tt := range []struct {
		name      string
		expiresAt time.Time
		warn      bool
	}{
		{"no expiry", time.Time{}, false},
		{"expires later", t0.Add(time.Second), false},
		{"expires now", t0, true},
		{"expired", t0.Add(-72 * time.Hour), true},
	} {
		s := fixtures.Edit(projectSecret(map[string]string{"api-token": "v1", "B": "v2"}), fixtures.EditEntry("api-token", func(m *EntryMeta) { m.ExpiresAt = tt.expiresAt }))
		warnings, err := p.Review(Write{Operation: OpCreate, User: "alice", New: s})
		if err != nil {
			t.Fatalf("%s: denied: %v", tt.name, err)
		}
		want := []string{`expired entries (expiresAt has passed): "api-token"; rotate them and set a new expiry`}
		if !tt.warn {
			want = nil
		}
		if !slices.Equal(warnings, want) {
			t.Errorf("%s: warnings %q, want %q", tt.name, warnings, want)
		}
	}
}

// TestReviewValueLimitAtTheEdge: the webhook's verdict at the edge.
func TestReviewValueLimitAtTheEdge(t *testing.T) {
	t.Parallel()
	at := projectSecret(map[string]string{"BIG": strings.Repeat("v", MaxSecretDataBytes)})
	if _, err := DefaultPolicy().Review(Write{Operation: OpCreate, User: "alice", New: editAuthors(at, "alice")}); err != nil {
		t.Fatalf("values of exactly %d bytes: %v", MaxSecretDataBytes, err)
	}
	over := projectSecret(map[string]string{"BIG": strings.Repeat("v", MaxSecretDataBytes+1)})
	if _, err := DefaultPolicy().Review(Write{Operation: OpCreate, User: "alice", New: editAuthors(over, "alice")}); err == nil {
		t.Fatal("values one byte past the limit were allowed")
	}
}

// editAuthors stamps every entry of s as just created by user, as a CREATE by
// user must.
func editAuthors(s *corev1.Secret, user string) *corev1.Secret {
	e := fixtures.EntriesOf(s)
	now := Timestamp(time.Now())
	for k, m := range e {
		m.CreatedBy, m.UpdatedBy, m.CreatedAt, m.UpdatedAt = user, user, now, now
		e[k] = m
	}
	fixtures.SetEntries(s, e)
	return s
}

// editValue is s with key's value changed by user at t1.
func editValue(s *corev1.Secret, key, user string) *corev1.Secret {
	return fixtures.Edit(s, fixtures.SetValue(key, string(s.Data[key])+"!", user, t1))
}

// withRawField adds field, raw JSON, to the first entry of the annotation.
func withRawField(field string) func(*corev1.Secret) {
	return func(s *corev1.Secret) {
		s.Annotations[AnnotationEntries] = strings.Replace(s.Annotations[AnnotationEntries], `"description"`, field+`,"description"`, 1)
	}
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

func setImmutable(v bool) func(*corev1.Secret) {
	return func(s *corev1.Secret) { s.Immutable = &v }
}

func withFinalizers(finalizers ...string) func(*corev1.Secret) {
	return func(s *corev1.Secret) { s.Finalizers = finalizers }
}

func withOwnerRefs(refs ...metav1.OwnerReference) func(*corev1.Secret) {
	return func(s *corev1.Secret) { s.OwnerReferences = refs }
}

// deleting marks s as being deleted, as the API server does before the
// garbage collector's release.
func deleting(s *corev1.Secret) {
	at := metav1.NewTime(t0)
	s.DeletionTimestamp, s.DeletionGracePeriodSeconds = &at, new(int64(0))
}

func ownerRef(name string, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: name, UID: types.UID("uid-" + name), BlockOwnerDeletion: &block}
}

// hugeOwners is an owners list of n groups, none of them held by the
// test users.
func hugeOwners(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("group:team-%06d-%s", i, strings.Repeat("x", 80))
	}
	return strings.Join(parts, ",")
}

// checkBounded: a denial stays under 4 KiB with the API server's prefix,
// and holds no control character but the newlines between violations.
func checkBounded(t *testing.T, msg string) {
	t.Helper()
	if len(msg) > MaxMessageBytes {
		t.Errorf("denial is %d bytes, over MaxMessageBytes %d", len(msg), MaxMessageBytes)
	}
	for _, r := range msg {
		if unicode.IsControl(r) && r != '\n' {
			t.Errorf("denial holds control character %U: %q", r, msg)
			break
		}
	}
}

func TestPolicyReviewClock(t *testing.T) {
	t.Parallel()
	now := t1
	p := DefaultPolicy()
	p.Now = func() time.Time { return now }
	stamped := func(at time.Time) *corev1.Secret {
		return fixtures.Edit(base(), fixtures.SetValue("api-token", "v9", "bob", at))
	}
	added := func(created, updated time.Time) *corev1.Secret {
		return fixtures.Edit(base(), fixtures.AddEntry("NEW", "n", EntryMeta{CreatedAt: created, UpdatedAt: updated, CreatedBy: "bob", UpdatedBy: "bob"}))
	}
	fresh := projectSecret(map[string]string{"api-token": "v1"})
	fixtures.SetEntries(fresh, Entries{"api-token": {CreatedAt: now, UpdatedAt: now, CreatedBy: "bob", UpdatedBy: "bob"}})
	tests := []struct {
		name string
		w    Write
		want string // empty: allowed
	}{
		{name: "changed entry stamped now", w: Write{Operation: OpUpdate, User: "bob", Old: base(), New: stamped(now)}},
		{name: "changed entry stamped within the skew", w: Write{Operation: OpUpdate, User: "bob", Old: base(), New: stamped(now.Add(-DefaultClockSkew))}},
		{name: "changed entry backdated", w: Write{Operation: OpUpdate, User: "bob", Old: base(), New: stamped(now.Add(-DefaultClockSkew - time.Second))},
			want: `entry "api-token": updatedAt 2025-01-02T03:59:04Z is 5m1s away from the webhook's clock (2025-01-02T04:04:05Z)`},
		{name: "changed entry dated in the future", w: Write{Operation: OpUpdate, User: "bob", Old: base(), New: stamped(now.Add(time.Hour))},
			want: "updatedAt 2025-01-02T05:04:05Z is 1h0m0s away"},
		{name: "changed value keeping the old updatedAt", w: Write{Operation: OpUpdate, User: "bob", Old: base(), New: stamped(t0)},
			want: "updatedAt 2025-01-02T03:04:05Z is 1h0m0s away"},
		{name: "only updatedAt backdated", w: Write{Operation: OpUpdate, User: "bob", Old: base(), New: fixtures.Edit(base(), fixtures.EditEntry("api-token", func(m *EntryMeta) { m.UpdatedAt, m.UpdatedBy = t0.Add(time.Minute), "bob" }))},
			want: "updatedAt 2025-01-02T03:05:05Z is 59m0s away"},
		{name: "new entry stamped now", w: Write{Operation: OpUpdate, User: "bob", Old: base(), New: added(now, now)}},
		{name: "new entry with a backdated createdAt", w: Write{Operation: OpUpdate, User: "bob", Old: base(), New: added(t0, now)},
			want: `entry "NEW": createdAt 2025-01-02T03:04:05Z is 1h0m0s away`},
		{name: "new entry with a future updatedAt", w: Write{Operation: OpUpdate, User: "bob", Old: base(), New: added(now, now.Add(time.Hour))},
			want: `entry "NEW": updatedAt 2025-01-02T05:04:05Z is 1h0m0s away`},
		{name: "unchanged entries keep old stamps", w: Write{Operation: OpUpdate, User: "bob", Old: base(), New: added(now, now)}},
		{name: "create stamped now", w: Write{Operation: OpCreate, User: "bob", New: fresh}},
		{name: "create carrying old stamps", w: Write{Operation: OpCreate, User: "alice", New: base()},
			want: "createdAt 2025-01-02T03:04:05Z is 1h0m0s away"},
		{name: "label added: entries judged new", w: Write{Operation: OpUpdate, User: "alice", Old: fixtures.Edit(base(), func(s *corev1.Secret) { delete(s.Labels, LabelProject) }), New: base()},
			want: "createdAt 2025-01-02T03:04:05Z is 1h0m0s away"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Review(tt.w)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("denied, want allowed: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want a denial containing %q", err, tt.want)
			}
		})
	}

	p.ClockSkew = 2 * time.Hour
	if _, err := p.Review(Write{Operation: OpCreate, User: "alice", New: base()}); err != nil {
		t.Errorf("a 2h --clock-skew admits stamps 1h old: %v", err)
	}
}

func base() *corev1.Secret {
	return projectSecret(map[string]string{"api-token": "v1", "DB_PASSWORD": "v2"})
}

func TestTimestampForm(t *testing.T) {
	t.Parallel()
	good := t0.Format(time.RFC3339)
	for _, tc := range []struct {
		stamp string
		ok    bool
	}{
		{good, true},
		{"2025-01-02T04:04:05+01:00", false},
		{"2025-01-02T03:04:05+00:00", false},
		{"2025-01-02T03:04:05.5Z", false},
		{"2025-01-02T03:04:05.000Z", false},
		{"2025-01-02T03:04:05z", false},
		{"2025-01-02t03:04:05Z", false},
		{"2025-01-02 03:04:05Z", false},
		{"2025-1-2T03:04:05Z", false},
	} {
		s := fixtures.Edit(base(), func(s *corev1.Secret) {
			s.Annotations[AnnotationEntries] = strings.Replace(s.Annotations[AnnotationEntries], good, tc.stamp, 1)
		})
		p := DefaultPolicy()
		p.Now = func() time.Time { return t0 }
		_, err := p.Review(Write{Operation: OpCreate, User: "alice", New: s})
		if tc.ok != (err == nil) {
			t.Errorf("%s: error %v, want allowed %v", tc.stamp, err, tc.ok)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "is not a timestamp in RFC 3339, UTC, whole seconds, with Z")) {
			t.Errorf("%s: error %v does not say which form is expected", tc.stamp, err)
		}
		if _, err := ParseEntries(s.Annotations[AnnotationEntries]); tc.ok != (err == nil) {
			t.Errorf("%s: ParseEntries error %v, want allowed %v", tc.stamp, err, tc.ok)
		}
	}
}

func TestEncodeWritesCanonicalTimestamps(t *testing.T) {
	t.Parallel()
	local := time.FixedZone("CET", 3600)
	enc, err := Entries{"k": {CreatedAt: t0.In(local).Add(300 * time.Millisecond), UpdatedAt: t1.In(local), CreatedBy: "a", UpdatedBy: "a"}}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"k":{"description":"","createdAt":"2025-01-02T03:04:05Z","updatedAt":"2025-01-02T04:04:05Z","createdBy":"a","updatedBy":"a"}}`
	if enc != want {
		t.Errorf("Encode = %s\nwant %s", enc, want)
	}
	if _, err := ParseEntries(enc); err != nil {
		t.Errorf("Encode's output does not parse: %v", err)
	}
}

// TestStoredEntryThatBreaksTheContractVouchesForNothing: the webhook trusts
// the stored entries to say who created an entry only if every one of them
// is valid; a stored entry that is invalid in any one field makes every
// entry of the write new, so it must name the requester as its author. A
// write by bob that repairs only that field of alice's entry is therefore
// denied as a new entry (not judged as a change to a trusted one).
func TestStoredEntryThatBreaksTheContractVouchesForNothing(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	p.Now = func() time.Time { return t0 }
	tests := []struct {
		name string
		bad  func(*EntryMeta)
	}{
		{"description with a control character", func(m *EntryMeta) { m.Description = "d\x01" }},
		{"no createdBy", func(m *EntryMeta) { m.CreatedBy = "" }},
		{"no updatedBy", func(m *EntryMeta) { m.UpdatedBy = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := byAlice
			tt.bad(&bad)
			old := fixtures.Secret("ns", "demo", map[string]string{"api-token": "v1"}, bad)
			repaired := fixtures.Secret("ns", "demo", map[string]string{"api-token": "v1"}, byAlice)
			_, err := p.Review(Write{Operation: OpUpdate, User: "bob", Old: old, New: repaired})
			const want = `entry "api-token" is new: createdBy and updatedBy must be the requesting user "bob"`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v, want a denial containing %q", err, want)
			}
		})
	}
}

// TestPolicyWithoutClockSkewUsesTheDefault: a Policy whose ClockSkew is
// left zero judges timestamps with DefaultClockSkew, not with no leeway at
// all: a new entry stamped a minute before the webhook's clock passes, one
// stamped just past the default is denied naming it.
func TestPolicyWithoutClockSkewUsesTheDefault(t *testing.T) {
	t.Parallel()
	p := Policy{KeyRule: DefaultKeyRule, Now: func() time.Time { return t0 }}
	stampedAt := func(at time.Time) *corev1.Secret {
		m := EntryMeta{CreatedAt: at, UpdatedAt: at, CreatedBy: "alice", UpdatedBy: "alice"}
		return fixtures.Secret("ns", "demo", map[string]string{"a": "1"}, m)
	}
	if _, err := p.Review(Write{Operation: OpCreate, User: "alice", New: stampedAt(t0.Add(-time.Minute))}); err != nil {
		t.Errorf("a minute off with the default skew: %v", err)
	}
	want := fmt.Sprintf("within %s", DefaultClockSkew)
	if _, err := p.Review(Write{Operation: OpCreate, User: "alice", New: stampedAt(t0.Add(-DefaultClockSkew - time.Second))}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("just past the default skew: %v, want a denial saying %q", err, want)
	}
}

// TestAuthorshipDenialsSortedByKey: the denial lists entries in key order
// whatever the map order; with two entries an unsorted list passes half
// the time, so this uses many.
func TestAuthorshipDenialsSortedByKey(t *testing.T) {
	t.Parallel()
	values := map[string]string{}
	for i := range 20 {
		values[fmt.Sprintf("K%02d", i)] = "v"
	}
	s := projectSecret(values)
	p := DefaultPolicy()
	p.Now = func() time.Time { return t0 }
	_, err := p.Review(Write{Operation: OpCreate, User: "bob", New: s})
	if err == nil {
		t.Fatal("allowed entries created by alice to be written by bob")
	}
	var keys []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if key, ok := strings.CutPrefix(line, `entry "`); ok {
			keys = append(keys, key[:3])
		}
	}
	if len(keys) != 20 || !slices.IsSorted(keys) {
		t.Errorf("denial lists entries %q, want all 20 in key order", keys)
	}
}
