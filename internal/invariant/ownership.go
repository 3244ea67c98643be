// Who a project belongs to, and what a cleanup identity may do to it.

package invariant

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/projsecret/projsecret"
)

func isProject(s *corev1.Secret) bool {
	if s == nil {
		return false
	}
	_, ok := s.Labels[projsecret.LabelProject]
	return ok
}

// ownerList reads the owners annotation as "kind:name" items, sorted; an
// unreadable list counts as owned by nobody in particular but still guarded,
// so it is returned as is to make Includes fail.
func ownerList(s *corev1.Secret) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, item := range strings.Split(s.Annotations[projsecret.AnnotationOwners], ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	slices.Sort(out)
	return out
}

// showsAsItself: valid UTF-8, every character printable, and none of them
// a format character (Cf), which would be invisible or reorder the text.
func showsAsItself(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if !unicode.IsPrint(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// releaseOnly: a cleanup identity's UPDATE leaves values, annotations
// (the owners and the entries among them), labels, type and immutability
// as they were, and adds no finalizer or owner reference, nor makes one
// block its owner's deletion where it did not.
func releaseOnly(old, new *corev1.Secret) error {
	if old == nil || new == nil {
		return fmt.Errorf("without both objects")
	}
	if len(old.Data) != len(new.Data) || len(new.StringData) != 0 {
		return fmt.Errorf("values change")
	}
	for k, v := range old.Data {
		if w, ok := new.Data[k]; !ok || !bytes.Equal(v, w) {
			return fmt.Errorf("value %q changes", k)
		}
	}
	if !maps.Equal(old.Annotations, new.Annotations) && (len(old.Annotations) > 0 || len(new.Annotations) > 0) {
		return fmt.Errorf("annotations change")
	}
	if !maps.Equal(old.Labels, new.Labels) && (len(old.Labels) > 0 || len(new.Labels) > 0) {
		return fmt.Errorf("labels change")
	}
	if old.Type != new.Type || (old.Immutable != nil && *old.Immutable) != (new.Immutable != nil && *new.Immutable) {
		return fmt.Errorf("type or immutable change")
	}
	left := map[string]int{}
	for _, f := range old.Finalizers {
		left[f]++
	}
	for _, f := range new.Finalizers {
		if left[f]--; left[f] < 0 {
			return fmt.Errorf("finalizer %q is added", f)
		}
	}
	for _, ref := range new.OwnerReferences {
		i := slices.IndexFunc(old.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == ref.UID })
		if i < 0 {
			return fmt.Errorf("owner reference %q is added", ref.UID)
		}
		o := old.OwnerReferences[i]
		blocks := func(r metav1.OwnerReference) bool { return r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion }
		if o.APIVersion != ref.APIVersion || o.Kind != ref.Kind || o.Name != ref.Name ||
			(o.Controller != nil && *o.Controller) != (ref.Controller != nil && *ref.Controller) || (blocks(ref) && !blocks(o)) {
			return fmt.Errorf("owner reference %q changes", ref.UID)
		}
	}
	return nil
}

func includes(owners []string, user string, groups []string) bool {
	for _, o := range owners {
		kind, name, _ := strings.Cut(o, ":")
		if (kind == "user" && name == user) || (kind == "group" && slices.Contains(groups, name)) {
			return true
		}
	}
	return false
}
