package projsecret

import (
	"bytes"
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// cleanupReview judges a write by one of Policy.CleanupUsers. They delete,
// and they release: the garbage collector ends a foreground or orphan
// delete by removing the foregroundDeletion or orphan finalizer with an
// UPDATE, orphans a dependent by removing its owner reference, and breaks
// a cycle of foreground deletes by unblocking one. Refusing those UPDATEs
// leaves the Secret Terminating until someone removes the finalizer by
// hand. Anything else they try is refused, adding included, so that they
// can neither plant data, change who owns a project, nor keep a Secret
// from being deleted. A release is not validated otherwise: the object is
// the stored one, unchanged, and refusing it would only keep it
// Terminating.
func cleanupReview(w Write) error {
	if w.Operation == OpDelete {
		return nil
	}
	what := "it creates one"
	if w.Operation == OpUpdate {
		if what = unreleased(w.Old, w.New); what == "" {
			return nil
		}
	}
	return Violations{violation(RuleOwnership, "user %s is a cleanup identity: it may delete project secrets or remove their finalizers and owner references, and change nothing else (%s)", Quote(w.User), what)}
}

// unreleased says what an UPDATE from old to new does beyond removing
// finalizers and owner references or unblocking an owner reference, or
// returns "" if it does nothing else. resourceVersion, managedFields and
// generation are the API server's to set and are not compared; every
// other field the webhook decodes is, so a field a newer k8s.io/api adds
// to Secrets is compared once the webhook is built with it.
func unreleased(old, new *corev1.Secret) string {
	switch {
	case old == nil || new == nil:
		return "the request does not carry both the stored and the new object"
	case !isSubsequence(new.Finalizers, old.Finalizers):
		return "it adds or reorders finalizers"
	case !ownerRefsReleased(old.OwnerReferences, new.OwnerReferences):
		return "it adds, reorders or changes owner references"
	case !maps.EqualFunc(old.Data, new.Data, bytes.Equal) || len(new.StringData) > 0:
		return "it changes data"
	case old.Annotations[AnnotationOwners] != new.Annotations[AnnotationOwners]:
		return "it changes annotation " + AnnotationOwners
	case !maps.Equal(old.Annotations, new.Annotations):
		return "it changes annotations"
	case !maps.Equal(old.Labels, new.Labels):
		return "it changes labels"
	}
	// Everything else, compared whole on shallow copies without what was
	// compared above: the maps are shared, never written.
	o, n := *old, *new
	for _, s := range []*corev1.Secret{&o, &n} {
		s.TypeMeta = metav1.TypeMeta{}
		s.Data, s.StringData = nil, nil
		s.Finalizers, s.OwnerReferences = nil, nil
		s.Annotations, s.Labels = nil, nil
		s.ResourceVersion, s.ManagedFields, s.Generation = "", nil, 0
	}
	if !equality.Semantic.DeepEqual(o, n) {
		return "it changes the type, immutable or other metadata"
	}
	return ""
}

// isSubsequence reports whether sub is seq with some items removed and
// the rest in order.
func isSubsequence(sub, seq []string) bool {
	i := 0
	for _, s := range seq {
		if i < len(sub) && sub[i] == s {
			i++
		}
	}
	return i == len(sub)
}

// ownerRefsReleased reports whether updated is old with some references
// removed, the rest in order and each unchanged, or changed only from
// blocking its owner's foreground deletion to not blocking it.
func ownerRefsReleased(old, updated []metav1.OwnerReference) bool {
	i := 0
	for _, ref := range old {
		if i < len(updated) && sameOrUnblocked(ref, updated[i]) {
			i++
		}
	}
	return i == len(updated)
}

func sameOrUnblocked(old, updated metav1.OwnerReference) bool {
	if equality.Semantic.DeepEqual(old, updated) {
		return true
	}
	unblocked := old
	unblocked.BlockOwnerDeletion = new(bool)
	return old.BlockOwnerDeletion != nil && *old.BlockOwnerDeletion &&
		equality.Semantic.DeepEqual(unblocked, updated)
}
