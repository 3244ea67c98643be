package projsecret_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/fixtures"
	"github.com/projsecret/projsecret/internal/invariant"
)

// FuzzPolicyInvariants builds writes from a stored project Secret and a
// sequence of edits, each a plausible move of an honest or a hostile
// writer, and checks every verdict of Policy.Review against properties
// stated without it (internal/invariant). The seeds include writes the
// policy must deny, so a policy that allowed everything fails on them.
func FuzzPolicyInvariants(f *testing.F) {
	for _, seed := range []struct {
		op, who, owners uint8
		edits           []byte
	}{
		{1, 0, 1, []byte{0, 0}},        // owner alice sets a value: allowed
		{1, 1, 1, []byte{0, 0}},        // bob, not an owner, sets a value
		{1, 0, 0, []byte{1, 0}},        // alice names someone else as updatedBy
		{1, 0, 0, []byte{4, 1}},        // alice backdates createdAt
		{1, 0, 0, []byte{3, 1}},        // alice rewrites createdBy
		{1, 0, 0, []byte{6, 2}},        // a new entry attributed to bob
		{1, 2, 0, []byte{7, 2}},        // mallory sets owners without herself... allowed only if on the list
		{1, 1, 1, []byte{8, 0}},        // bob removes the owners of alice's project
		{1, 0, 0, []byte{9, 0}},        // the project label changes
		{1, 0, 0, []byte{10, 0}},       // the name stops matching the label
		{1, 0, 0, []byte{13, 0}},       // a value with no entry
		{1, 0, 0, []byte{2, 1, 14, 0}}, // description and labels change, updatedBy kept
		{0, 0, 0, []byte{0, 2}},        // create
		{0, 1, 1, []byte{6, 2}},        // create naming someone else as author
		{2, 1, 1, nil},                 // bob deletes alice's project
		{2, 3, 1, nil},                 // an admin deletes it
		{1, 2, 0, []byte{7, 1}},        // mallory claims an ownerless project for herself
		{1, 4, 1, []byte{2, 0}},        // the namespace controller edits a description
		{2, 4, 1, nil},                 // the namespace controller deletes an owned project
		{1, 0, 0, []byte{12, 0}},       // immutable
		{1, 0, 0, []byte{16, 3}},       // alice sets an expiry, updatedBy kept
		{1, 0, 0, []byte{0, 0, 16, 0}}, // alice sets a value and an expiry in the past
		{1, 1, 0, []byte{17, 1}},       // bob sets rotateEvery on alice's entry
		{1, 0, 0, []byte{0, 0, 17, 2}}, // alice sets a value and a rotateEvery under an hour
	} {
		f.Add(seed.op, seed.who, seed.owners, seed.edits)
	}
	f.Fuzz(func(t *testing.T, op, who, owners uint8, edits []byte) {
		w, values := buildWrite(op, who, owners, edits)
		_, err := projsecret.DefaultPolicy().Review(w)
		v := invariant.Verdict{Op: w.Operation, User: w.User, Groups: w.Groups, Old: w.Old, New: w.New, Allowed: err == nil}
		if err != nil {
			v.Message = err.Error()
		}
		if broken := invariant.Check(v, invariant.TrustOf(projsecret.DefaultPolicy()), values); broken != nil {
			t.Fatalf("op %d, user %q, owners %d, edits %v: %v", op, w.User, owners, edits, broken)
		}
	})
}

var (
	fuzzUsers  = []string{"alice", "bob", "mallory", "root", "system:serviceaccount:kube-system:namespace-controller"}
	fuzzOwners = []string{"", "user:alice", "user:alice,group:team", "group:team", "user:mallory", "garbage"}
	fuzzKeys   = []string{"A", "B", "NEW"}
)

// buildWrite turns fuzz input into a write and the values it carries. The
// stored Secret is project "demo" with entries A and B by alice an hour ago.
func buildWrite(op, who, owners uint8, edits []byte) (projsecret.Write, [][]byte) {
	user := fuzzUsers[int(who)%len(fuzzUsers)]
	groups := []string{"system:authenticated"}
	if who&4 != 0 {
		groups = append(groups, "team")
	}
	if user == "root" {
		groups = append(groups, "system:masters")
	}
	hourAgo := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	old := fixtures.Secret("", "demo", map[string]string{"A": "S3CR3T#A!", "B": "S3CR3T#B!"},
		projsecret.EntryMeta{CreatedAt: hourAgo, UpdatedAt: hourAgo, CreatedBy: "alice", UpdatedBy: "alice"})
	fixtures.EditEntry("B", func(m *projsecret.EntryMeta) { m.Description = "b" })(old)
	if o := fuzzOwners[int(owners)%len(fuzzOwners)]; o != "" {
		fixtures.WithOwners(o)(old)
	}
	entries := fixtures.EntriesOf(old)

	s := old.DeepCopy()
	now := projsecret.Timestamp(time.Now())
	values := [][]byte{[]byte("S3CR3T#A!"), []byte("S3CR3T#B!")}
	for i := 0; i+1 < len(edits); i += 2 {
		arg := int(edits[i+1])
		key := fuzzKeys[arg%len(fuzzKeys)]
		other := fuzzUsers[(arg+1)%len(fuzzUsers)]
		e, exists := entries[key]
		switch edits[i] % 18 {
		case 0, 1: // a new value, honestly stamped (0) or naming someone else (1)
			value := []byte(fmt.Sprintf("S3CR3T#%d!", arg))
			values = append(values, value)
			s.Data[key] = value
			if !exists {
				e = projsecret.EntryMeta{CreatedAt: now, CreatedBy: user}
			}
			e.UpdatedAt, e.UpdatedBy = now, user
			if edits[i]%18 == 1 {
				e.UpdatedBy = other
			}
		case 2:
			e.Description = fmt.Sprintf("d%d", arg)
		case 3:
			e.CreatedBy = other
		case 4:
			e.CreatedAt = e.CreatedAt.Add(-time.Duration(arg+1) * time.Hour)
		case 5:
			delete(s.Data, key)
			delete(entries, key)
			continue
		case 6: // a new entry attributed to someone
			s.Data[key] = []byte("S3CR3T#new!")
			e = projsecret.EntryMeta{CreatedAt: now, UpdatedAt: now, CreatedBy: other, UpdatedBy: other}
			if arg%2 == 0 {
				e.CreatedBy, e.UpdatedBy = user, user
			}
		case 7:
			s.Annotations[projsecret.AnnotationOwners] = "user:" + other
		case 8:
			delete(s.Annotations, projsecret.AnnotationOwners)
		case 9:
			s.Labels[projsecret.LabelProject] = "other"
		case 10:
			s.Name = "proj-secrets-x"
		case 11:
			e.UpdatedAt = now.Add(-time.Duration(arg+1) * 24 * time.Hour)
		case 12:
			immutable := true
			s.Immutable = &immutable
		case 13:
			s.Data["LOOSE"] = []byte("S3CR3T#loose!")
		case 14:
			e.Labels = map[string]string{"k": fmt.Sprint(arg)}
		case 15:
			if s.StringData == nil {
				s.StringData = map[string]string{}
			}
			s.StringData[key] = "S3CR3T#str!"
		case 16: // an expiry, in the past for small args
			e.ExpiresAt = now.Add(time.Duration(arg-8) * 24 * time.Hour)
		case 17: // a rotation period, out of range for some args
			e.RotateEvery = []time.Duration{time.Hour, 720 * time.Hour, 30 * time.Minute, 87601 * time.Hour, 0}[arg%5]
		}
		if _, inData := s.Data[key]; inData || edits[i]%18 == 15 {
			entries[key] = e
		}
	}
	values = append(values, []byte("S3CR3T#new!"), []byte("S3CR3T#loose!"), []byte("S3CR3T#str!"))
	fixtures.SetEntries(s, entries)

	w := projsecret.Write{User: user, Groups: groups}
	switch op % 3 {
	case 0:
		w.Operation, w.New = projsecret.OpCreate, s
	case 1:
		w.Operation, w.Old, w.New = projsecret.OpUpdate, old, s
	default:
		w.Operation, w.Old = projsecret.OpDelete, old
	}
	return w, values
}
