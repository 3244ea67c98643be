package projsecret

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// historyFixture is revision 1 of project p written by user, owned by
// owners.
func historyFixture(t *testing.T, user, owners string) *corev1.Secret {
	t.Helper()
	now := Timestamp(time.Now())
	st := &EntryState{Value: []byte("v"), Meta: EntryMeta{CreatedAt: now, UpdatedAt: now, CreatedBy: user, UpdatedBy: user}}
	r := &Revision{Revision: 1, Time: now, User: user, Owners: owners, Changes: []KeyChange{{Key: "K", Change: ChangeCreated, After: st}}}
	record, sum, err := EncodeRevision(r)
	if err != nil {
		t.Fatal(err)
	}
	return HistorySecret("ns", "p", r, record, sum)
}

// TestPolicyGuardsHistory: only a revision's recorded owners (and admins)
// write or erase it, it records its requester, and it never changes.
func TestPolicyGuardsHistory(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	admin := []string{"system:masters"}
	rev := historyFixture(t, "alice", "user:alice")
	renamed := historyFixture(t, "alice", "user:alice")
	renamed.Name += "x"
	forged := historyFixture(t, "alice", "user:alice")
	forged.Data[HistoryDataKey] = append([]byte(" "), forged.Data[HistoryDataKey]...)
	mutable := historyFixture(t, "alice", "user:alice")
	mutable.Immutable = nil
	finalized := historyFixture(t, "alice", "user:alice")
	finalized.Finalizers = []string{"example.com/keep"}
	project := &corev1.Secret{}
	project.Name, project.Labels, project.Type = SecretName("p"), map[string]string{LabelProject: "p"}, corev1.SecretTypeOpaque
	disguised := project.DeepCopy()
	disguised.Labels[LabelRevision] = "1"
	for _, tc := range []struct {
		name string
		w    Write
		deny string // "" allows
	}{
		{"owner creates", Write{Operation: OpCreate, User: "alice", New: rev}, ""},
		{"admin creates in its own name", Write{Operation: OpCreate, User: "root", Groups: admin, New: historyFixture(t, "root", "user:alice")}, ""},
		{"non-owner naming an owner as author", Write{Operation: OpCreate, User: "mallory", New: rev}, `records user "alice": a revision must record the requesting user "mallory"`},
		{"non-owner in their own name", Write{Operation: OpCreate, User: "mallory", New: historyFixture(t, "mallory", "user:alice")}, `user "mallory" is not an owner of project "p"`},
		{"name not the record's", Write{Operation: OpCreate, User: "alice", New: renamed}, "its name must be"},
		{"record not the name's", Write{Operation: OpCreate, User: "alice", New: forged}, "its name must be"},
		{"mutable", Write{Operation: OpCreate, User: "alice", New: mutable}, "must be immutable"},
		{"finalizers", Write{Operation: OpCreate, User: "alice", New: finalized}, "must stay deletable"},
		{"admin repairs metadata", Write{Operation: OpUpdate, User: "root", Groups: admin, Old: finalized, New: rev}, ""},
		{"cleanup creates", Write{Operation: OpCreate, User: DefaultCleanupUsers()[0], New: rev}, "cleanup identity"},
		{"owner changes", Write{Operation: OpUpdate, User: "alice", Old: rev, New: rev}, "a stored revision never changes"},
		{"project becomes a revision", Write{Operation: OpUpdate, User: "alice", Old: project, New: disguised}, "cannot become a revision"},
		{"owner deletes", Write{Operation: OpDelete, User: "alice", Old: rev}, ""},
		{"admin deletes", Write{Operation: OpDelete, User: "root", Groups: admin, Old: rev}, ""},
		{"cleanup deletes", Write{Operation: OpDelete, User: DefaultCleanupUsers()[0], Old: rev}, ""},
		{"non-owner deletes", Write{Operation: OpDelete, User: "mallory", Old: rev}, `user "mallory" may not delete revision 1 of project "p"`},
	} {
		_, err := p.Review(tc.w)
		switch {
		case tc.deny == "" && err != nil:
			t.Errorf("%s: denied: %v", tc.name, err)
		case tc.deny != "" && (err == nil || !strings.Contains(err.Error(), tc.deny)):
			t.Errorf("%s: %v, want a denial saying %q", tc.name, err, tc.deny)
		}
	}
}

// TestProjectSecretHistoryAnnotations: the head and the history limit are
// checked on the project Secret.
func TestProjectSecretHistoryAnnotations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ key, value, want string }{
		{AnnotationRevision, "3", "expected <revision>.<sha256 in hex>"},
		{AnnotationRevision, "0." + strings.Repeat("a", 64), "expected <revision>.<sha256 in hex>"},
		{AnnotationHistoryLimit, "0", "from 1 to 100"},
		{AnnotationHistoryLimit, "many", "from 1 to 100"},
	} {
		s := &corev1.Secret{}
		s.Name, s.Labels, s.Type = SecretName("p"), map[string]string{LabelProject: "p"}, corev1.SecretTypeOpaque
		s.Annotations = map[string]string{AnnotationEntries: "{}", tc.key: tc.value}
		if _, err := ValidateSecret(s, DefaultKeyRule); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%q: %v, want %q", tc.key, tc.value, err, tc.want)
		}
	}
	s := &corev1.Secret{}
	s.Name, s.Labels, s.Type = SecretName("p"), map[string]string{LabelProject: "p"}, corev1.SecretTypeOpaque
	s.Annotations = map[string]string{AnnotationEntries: "{}", AnnotationRevision: "3." + strings.Repeat("0f", 32), AnnotationHistoryLimit: "25"}
	if _, err := ValidateSecret(s, DefaultKeyRule); err != nil {
		t.Errorf("valid head and limit: %v", err)
	}
}
