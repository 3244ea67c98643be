package projsecret

import (
	"slices"
	"strings"
)

// Subject is one owner of a project: a user or a group, by the name the API
// server knows it by.
type Subject struct {
	Kind string // "user" or "group"
	Name string
}

func (s Subject) String() string { return s.Kind + ":" + s.Name }

// Owners is the parsed AnnotationOwners list.
type Owners []Subject

// ParseOwners reads "user:alice,group:team-a" (spaces around items allowed).
func ParseOwners(annotation string) (Owners, error) {
	var owners Owners
	for _, item := range strings.Split(annotation, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		kind, name, ok := strings.Cut(item, ":")
		if !ok || (kind != "user" && kind != "group") || name == "" {
			return nil, violation(RuleOwnership, "annotation %s: owner %q is invalid: expected user:NAME or group:NAME", AnnotationOwners, item)
		}
		owners = append(owners, Subject{Kind: kind, Name: name})
	}
	return owners, nil
}

// String renders owners back into the annotation form.
func (o Owners) String() string {
	parts := make([]string, len(o))
	for i, s := range o {
		parts[i] = s.String()
	}
	return strings.Join(parts, ",")
}

// Includes reports whether the user, or one of the groups, is an owner.
func (o Owners) Includes(user string, groups []string) bool {
	for _, s := range o {
		if (s.Kind == "user" && s.Name == user) || (s.Kind == "group" && slices.Contains(groups, s.Name)) {
			return true
		}
	}
	return false
}
