package projsecret_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

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
		{2, 1, 0, nil},                 // bob deletes an ownerless project
		{2, 3, 0, nil},                 // an admin deletes it
		{1, 5, 1, []byte{21, 0}},       // the garbage collector removes the foregroundDeletion finalizer: allowed
		{1, 5, 0, []byte{23, 1}},       // ... removes an owner reference: allowed
		{1, 5, 1, []byte{24, 0}},       // ... unblocks an owner reference: allowed
		{1, 5, 1, []byte{22, 0}},       // ... adds a finalizer
		{1, 5, 1, []byte{24, 3}},       // ... blocks an owner reference
		{1, 5, 1, []byte{24, 2}},       // ... adds an owner reference
		{1, 5, 1, []byte{21, 0, 7, 4}}, // ... removes a finalizer and rewrites the owners
		{1, 5, 0, []byte{21, 0, 0, 0}}, // ... removes a finalizer and sets a value
		{1, 5, 1, []byte{23, 0, 2, 1}}, // ... removes an owner reference and changes a description
		{1, 0, 1, []byte{25, 0}},       // alice lists a look-alike of carol with a zero-width space
		{0, 0, 0, []byte{25, 3}},       // a create listing one with a direction override
		// One field of a stored entry changed by bob, who is not its
		// updatedBy (alice), with updatedBy left as it was: each field on
		// its own makes the entry changed, so each must be denied.
		{1, 1, 0, []byte{16, 0}},        // the value of A only
		{1, 1, 0, []byte{2, 0}},         // the description of A only
		{1, 1, 0, []byte{18, 1}},        // a label added to B
		{1, 1, 0, []byte{18, 4}},        // B's label changed
		{1, 1, 0, []byte{18, 7}},        // B's label removed
		{1, 1, 0, []byte{17, 0}},        // updatedAt of A only
		{1, 1, 0, []byte{20, 1}},        // updatedBy of B only, to a third user (mallory)
		{1, 1, 0, []byte{16, 0, 20, 3}}, // A's value, updatedBy naming a third user
		// New entries whose createdBy and updatedBy differ, one of them
		// the requester.
		{1, 0, 0, []byte{19, 2}},             // createdBy alice, updatedBy someone else
		{1, 0, 0, []byte{19, 5}},             // createdBy someone else, updatedBy alice
		{0, 0, 0, []byte{5, 0, 5, 1, 19, 2}}, // the same on create, with NEW alone
		{0, 0, 0, []byte{5, 0, 5, 1, 19, 5}},
		{1, 0, 0, []byte{26, 3}},       // alice sets an expiry, updatedBy kept
		{1, 0, 0, []byte{0, 0, 26, 0}}, // alice sets a value and an expiry in the past
		{1, 1, 0, []byte{27, 1}},       // bob sets rotateEvery on alice's entry
		{1, 0, 0, []byte{0, 0, 27, 2}}, // alice sets a value and a rotateEvery under an hour
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
	fuzzUsers = []string{"alice", "bob", "mallory", "root", "system:serviceaccount:kube-system:namespace-controller",
		"system:serviceaccount:kube-system:generic-garbage-collector"}
	fuzzOwners = []string{"", "user:alice", "user:alice,group:team", "group:team", "user:mallory", "garbage"}
	fuzzKeys   = []string{"A", "B", "NEW"}
	// fuzzHidden are characters an owner name may not hold, and one it may.
	fuzzHidden = []string{"\u200b", "\u202e", "\u00ad", "\ufeff", "\u00a0", "\x7f", "\xff", ""}
)

// buildWrite turns fuzz input into a write and the values it carries. The
// stored Secret is project "demo" with entries A and B by alice an hour ago,
// two finalizers (the one a foreground delete adds, and another) and two
// owner references (the first blocking its owner's foreground deletion).
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
	fixtures.EditEntry("B", func(m *projsecret.EntryMeta) { m.Description, m.Labels = "b", map[string]string{"team": "b"} })(old)
	old.Finalizers = []string{"foregroundDeletion", "example.com/keep"}
	old.OwnerReferences = []metav1.OwnerReference{fuzzOwnerRef("a", true), fuzzOwnerRef("b", false)}
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
		switch edits[i] % 28 {
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
		// 16 to 20 change one field each and leave the rest, updatedBy
		// included, as stored.
		case 16:
			value := []byte(fmt.Sprintf("S3CR3T#%d!", arg))
			values = append(values, value)
			s.Data[key] = value
		case 17:
			e.UpdatedAt = now
		case 18: // a label added, changed or removed, by arg/3
			labels := maps.Clone(e.Labels)
			if labels == nil {
				labels = map[string]string{}
			}
			switch arg / 3 % 3 {
			case 0:
				labels["added"] = "x"
			case 1:
				labels["team"] = "changed"
			default:
				delete(labels, "team")
			}
			e.Labels = labels
		case 19: // a new entry, created by one user and updated by another
			s.Data[key] = []byte("S3CR3T#new!")
			e = projsecret.EntryMeta{CreatedAt: now, UpdatedAt: now, CreatedBy: user, UpdatedBy: other}
			if arg%2 == 1 {
				e.CreatedBy, e.UpdatedBy = other, user
			}
		case 20:
			e.UpdatedBy = other
		// 21 to 25 are the garbage collector's and the owners' moves.
		case 21:
			if n := len(s.Finalizers); n > 0 {
				s.Finalizers = slices.Delete(slices.Clone(s.Finalizers), arg%n, arg%n+1)
			}
		case 22:
			s.Finalizers = append(slices.Clone(s.Finalizers), fmt.Sprintf("example.com/f%d", arg))
		case 23:
			if n := len(s.OwnerReferences); n > 0 {
				s.OwnerReferences = slices.Delete(slices.Clone(s.OwnerReferences), arg%n, arg%n+1)
			}
		case 24: // unblock the first reference (0), rename it (1), add one (2), block the second (3)
			refs := slices.Clone(s.OwnerReferences)
			switch {
			case arg%4 == 2:
				refs = append(refs, fuzzOwnerRef(fmt.Sprint(arg), false))
			case len(refs) == 0:
			case arg%4 == 0:
				refs[0].BlockOwnerDeletion = new(false)
			case arg%4 == 1:
				refs[0].Name = "renamed"
			case arg%4 == 3:
				refs[len(refs)-1].BlockOwnerDeletion = new(true)
			}
			s.OwnerReferences = refs
		case 25: // owners naming the writer and someone else, maybe with a hidden character
			s.Annotations[projsecret.AnnotationOwners] = "user:" + user + ",user:" + other + fuzzHidden[arg%len(fuzzHidden)]
		// 26 and 27 set expiry fields.
		case 26: // an expiry, in the past for small args
			e.ExpiresAt = now.Add(time.Duration(arg-8) * 24 * time.Hour)
		case 27: // a rotation period, out of range for some args
			e.RotateEvery = []time.Duration{time.Hour, 720 * time.Hour, 30 * time.Minute, 87601 * time.Hour, 0}[arg%5]
		}
		if _, inData := s.Data[key]; inData || edits[i]%28 == 15 {
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

// FuzzHistoryPolicyInvariants is FuzzPolicyInvariants for revisions: a
// valid revision of project "demo" by alice, owned by alice, edited by an
// honest or hostile move, written, changed or deleted by one of the fuzz
// users, and every verdict checked against internal/invariant.
func FuzzHistoryPolicyInvariants(f *testing.F) {
	for _, seed := range []struct {
		op, who uint8
		edits   []byte
	}{
		{0, 0, nil},       // alice records her write: allowed
		{0, 1, nil},       // bob creates alice's revision (records user alice)
		{0, 2, []byte{0}}, // mallory in her own name, owners alice
		{0, 2, []byte{1}}, // mallory in her own name and as owner
		{0, 0, []byte{2}}, // the name is not the record's
		{0, 0, []byte{3}}, // mutable
		{0, 0, []byte{4}}, // the record changed after naming
		{0, 4, nil},       // the namespace controller creates one
		{1, 0, nil},       // alice changes a stored revision
		{1, 4, nil},       // the namespace controller updates one
		{1, 0, []byte{5}}, // a project Secret becomes a revision
		{2, 2, nil},       // mallory erases alice's revision
		{2, 0, nil},       // alice prunes her revision
		{2, 3, nil},       // an admin deletes it
		{2, 4, nil},       // the namespace controller deletes it
		{0, 3, []byte{0}}, // an admin records a revision in their own name
	} {
		f.Add(seed.op, seed.who, seed.edits)
	}
	f.Fuzz(func(t *testing.T, op, who uint8, edits []byte) {
		w := buildHistoryWrite(op, who, edits)
		_, err := projsecret.DefaultPolicy().Review(w)
		v := invariant.Verdict{Op: w.Operation, User: w.User, Groups: w.Groups, Old: w.Old, New: w.New, Allowed: err == nil}
		if err != nil {
			v.Message = err.Error()
		}
		if broken := invariant.Check(v, invariant.TrustOf(projsecret.DefaultPolicy()), nil); broken != nil {
			t.Fatalf("op %d, user %q, edits %v: %v", op, w.User, edits, broken)
		}
	})
}

// buildHistoryWrite turns fuzz input into a write of a revision.
func buildHistoryWrite(op, who uint8, edits []byte) projsecret.Write {
	user := fuzzUsers[int(who)%len(fuzzUsers)]
	groups := []string{"system:authenticated"}
	if user == "root" {
		groups = append(groups, "system:masters")
	}
	author, owners := "alice", "user:alice"
	now := projsecret.Timestamp(time.Now())
	var rename, mutable, tamper, fromProject bool
	for _, e := range edits {
		switch e % 6 {
		case 0:
			author = user
		case 1:
			author, owners = user, "user:"+user
		case 2:
			rename = true
		case 3:
			mutable = true
		case 4:
			tamper = true
		case 5:
			fromProject = true
		}
	}
	st := &projsecret.EntryState{Value: []byte("S3CR3T#H!"), Meta: projsecret.EntryMeta{CreatedAt: now, UpdatedAt: now, CreatedBy: author, UpdatedBy: author}}
	r := &projsecret.Revision{Revision: 3, Time: now, User: author, Owners: owners, Changes: []projsecret.KeyChange{{Key: "A", Change: projsecret.ChangeCreated, After: st}}}
	record, sum, err := projsecret.EncodeRevision(r)
	if err != nil {
		panic(err)
	}
	s := projsecret.HistorySecret("", "demo", r, record, sum)
	if rename {
		s.Name += "0"
	}
	if mutable {
		s.Immutable = nil
	}
	if tamper {
		s.Data[projsecret.HistoryDataKey] = append([]byte(" "), record...)
	}
	w := projsecret.Write{User: user, Groups: groups}
	switch op % 3 {
	case 0:
		w.Operation, w.New = projsecret.OpCreate, s
	case 1:
		old := s.DeepCopy()
		if fromProject {
			old = fixtures.Secret("", "demo", map[string]string{"A": "S3CR3T#A!"}, projsecret.EntryMeta{CreatedAt: now, UpdatedAt: now, CreatedBy: "alice", UpdatedBy: "alice"})
		}
		s.Labels["x"] = "y"
		w.Operation, w.Old, w.New = projsecret.OpUpdate, old, s
	default:
		w.Operation, w.Old = projsecret.OpDelete, s
	}
	return w
}

func fuzzOwnerRef(name string, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: name, UID: types.UID("uid-" + name), BlockOwnerDeletion: &block}
}

// A stored list the contract cannot read (here one entry's createdAt is out
// of the layout) vouches for nothing: the writer repairs every entry as new,
// in their own name and time, which the policy allows and the invariant
// oracle accepts. FuzzReview found the oracle still vouching for the
// unreadable entry's authorship; the two now agree.
func TestRepairOfAnUnreadableStoredListAgreesWithTheOracle(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	meta := projsecret.EntryMeta{CreatedAt: now, UpdatedAt: now, CreatedBy: "alice", UpdatedBy: "alice"}
	newer := fixtures.Secret("", "demo", map[string]string{"A": "S3CR3T#A!", "B": "S3CR3T#B!"}, meta)
	old := newer.DeepCopy()
	old.Annotations[projsecret.AnnotationEntries] = strings.Replace(old.Annotations[projsecret.AnnotationEntries],
		`"createdAt":"`+now.Format("2006-01-02T15:04:05Z"), `"createdAt":"`+now.Format("2006-01-02T15:04:05Z")[:16]+"x", 1)
	if _, err := projsecret.ParseEntries(old.Annotations[projsecret.AnnotationEntries]); err == nil {
		t.Fatal("the stored list should be unreadable")
	}
	w := projsecret.Write{Operation: projsecret.OpUpdate, User: "alice", Groups: []string{"system:authenticated"}, Old: old, New: newer}
	_, err := projsecret.DefaultPolicy().Review(w)
	if err != nil {
		t.Fatalf("the repair was denied: %v", err)
	}
	v := invariant.Verdict{Op: w.Operation, User: w.User, Groups: w.Groups, Old: old, New: newer, Allowed: true}
	if broken := invariant.Check(v, invariant.TrustOf(projsecret.DefaultPolicy()), nil); broken != nil {
		t.Fatalf("the oracle disagrees: %v", broken)
	}
}
