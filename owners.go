package projsecret

import (
	"fmt"
	"slices"
	"strings"
)

// Subject is one owner of a project: a user or a group, by the name the API
// server knows it by.
type Subject struct {
	Kind string // KindUser or KindGroup
	Name string
}

// The kinds of subject an owners list names.
const (
	KindUser  = "user"
	KindGroup = "group"
)

func (s Subject) String() string { return s.Kind + ":" + s.Name }

// User is the subject naming one user.
func User(name string) Subject { return Subject{Kind: KindUser, Name: name} }

// Validate checks that the subject can be written in an owners list and
// read back as itself, and that its name shows as what it is: printable
// characters only, so that "alice" followed by a zero-width space, or
// with a direction override, cannot pass for alice on a screen.
func (s Subject) Validate() error {
	switch {
	case s.Kind != KindUser && s.Kind != KindGroup:
		return violation(RuleOwnership, "owner %s is invalid: expected user:NAME or group:NAME", Quote(s.String()))
	case s.Name == "" || strings.TrimSpace(s.Name) != s.Name || strings.Contains(s.Name, ","):
		return violation(RuleOwnership, "owner %s is invalid: the name must be non-empty, without a comma or surrounding spaces", Quote(s.String()))
	}
	if what := hiddenChar(s.Name); what != "" {
		return violation(RuleOwnership, "owner %s holds %s: owner names must be printable, so that each reads as the subject it is", Quote(s.String()), what)
	}
	return nil
}

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
		// Only the form KIND:NAME is checked here (an item without a colon
		// has no name either); the kind and the name are Subject.Validate's,
		// which quotes the subject, and that is the item.
		kind, name, _ := strings.Cut(item, ":")
		if name == "" {
			return nil, violation(RuleOwnership, "annotation %s: owner %s is invalid: expected user:NAME or group:NAME", AnnotationOwners, Quote(item))
		}
		s := Subject{Kind: kind, Name: name}
		if err := s.Validate(); err != nil {
			return nil, violation(RuleOwnership, "annotation %s: %v", AnnotationOwners, err)
		}
		owners = append(owners, s)
	}
	return owners, nil
}

// Validate checks every subject, for owners built in code rather than
// parsed.
func (o Owners) Validate() error {
	for _, s := range o {
		if err := s.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// String renders owners back into the annotation form.
func (o Owners) String() string {
	parts := make([]string, len(o))
	for i, s := range o {
		parts[i] = s.String()
	}
	return strings.Join(parts, ",")
}

// Text is the owners list as a message shows it: escaped and bounded, the
// first maxListedKeys subjects each cut to a readable length and the rest
// counted, so a huge stored list cannot make a huge denial.
func (o Owners) Text() string {
	n := min(len(o), maxListedKeys)
	parts := make([]string, n)
	for i := range n {
		parts[i] = Clip(o[i].String())
	}
	text := strings.Join(parts, ",")
	if len(o) > n {
		text += fmt.Sprintf(" and %d more", len(o)-n)
	}
	return text
}

// Includes reports whether the user, or one of the groups, is an owner.
func (o Owners) Includes(user string, groups []string) bool {
	for _, s := range o {
		if (s.Kind == KindUser && s.Name == user) || (s.Kind == KindGroup && slices.Contains(groups, s.Name)) {
			return true
		}
	}
	return false
}
