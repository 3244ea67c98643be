// Package projsecret is the contract shared by the kubectl plugin and the
// admission webhook: the names, labels and annotations of a project Secret,
// the rules they obey, and a small typed client that writes them correctly.
// Every rule lives here once; the front ends only call it.
package projsecret

import (
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

const (
	// SecretNamePrefix is the prefix DigitalHub Core uses too, so both tools
	// meet on the same object.
	SecretNamePrefix = "proj-secrets-"

	// LabelProject marks a Secret as a project Secret; its value is the project.
	LabelProject = "projsecret.io/project"
	// LabelManagedBy records which tool wrote the Secret.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedByPlugin is the LabelManagedBy value the plugin sets.
	ManagedByPlugin = "kubectl-projsecret"

	// LabelDHCoreProject marks the per-run copies DigitalHub Core makes of
	// a project's secrets; its value is the project. They are not project
	// Secrets, but they hold the project's values.
	LabelDHCoreProject = "dhcore/project"

	// AnnotationEntries holds the per-entry metadata as a JSON object.
	AnnotationEntries = "projsecret.io/entries"
	// AnnotationOwners lists the subjects that own the project.
	AnnotationOwners = "projsecret.io/owners"

	// MaxProjectNameLength keeps "proj-secrets-<project>" well inside the
	// 253-character object name limit and the project usable as a label value.
	MaxProjectNameLength = 50
	// MaxKeyLength is the longest valid Secret data key.
	MaxKeyLength = validation.DNS1123SubdomainMaxLength
	// MaxDescriptionLength bounds an entry's description.
	MaxDescriptionLength = 1024
	// MaxSecretDataBytes is the API server's limit on the sum of a Secret's values.
	MaxSecretDataBytes = 1 << 20
	// MaxAnnotationBytes is the API server's limit on the total size of an
	// object's annotations (keys plus values).
	MaxAnnotationBytes = 256 << 10

	// DefaultClockSkew is how far an entry's createdAt/updatedAt may stray
	// from the webhook's clock when a write creates or changes the entry.
	DefaultClockSkew = 5 * time.Minute
)

// Rule names the part of the contract a violation breaks; the webhook counts
// denials by it.
type Rule string

const (
	RuleKeyNaming = Rule("key-naming")
	RuleOwnership = Rule("project-ownership")
	RuleMetadata  = Rule("metadata")
	RuleSize      = Rule("size")
)

// SecretName is the name of the Secret that holds a project's entries.
func SecretName(project string) string { return SecretNamePrefix + project }

// ValidateProjectName checks that a project name is a DNS-1123 label of at
// most MaxProjectNameLength characters.
func ValidateProjectName(project string) error {
	if project == "" {
		return violation(RuleOwnership, "project name is empty: expected a DNS-1123 label (lowercase letters, digits and '-', 1 to %d characters)", MaxProjectNameLength)
	}
	if len(project) > MaxProjectNameLength {
		return violation(RuleOwnership, "project name %s is %d characters long: at most %d are allowed", Quote(project), len(project), MaxProjectNameLength)
	}
	if errs := validation.IsDNS1123Label(project); len(errs) > 0 {
		return violation(RuleOwnership, "project name %s is invalid: %s", Quote(project), strings.Join(errs, "; "))
	}
	return nil
}

// ValidateLabel checks one entry label against Kubernetes label syntax,
// which also keeps every control character out of label keys and values.
func ValidateLabel(key, value string) error {
	if errs := validation.IsQualifiedName(key); len(errs) > 0 {
		return violation(RuleMetadata, "label key %s is invalid: %s", Quote(key), strings.Join(errs, "; "))
	}
	if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
		return violation(RuleMetadata, "label %s value %s is invalid: %s", Quote(key), Quote(value), strings.Join(errs, "; "))
	}
	return nil
}

// ValidateDescription bounds an entry description and keeps it printable:
// no control characters but newline and tab, so that listing entries
// cannot drive the reader's terminal.
func ValidateDescription(description string) error {
	if n := len([]rune(description)); n > MaxDescriptionLength {
		return violation(RuleMetadata, "description is %d characters long: at most %d are allowed", n, MaxDescriptionLength)
	}
	if r := controlChar(description, "\n\t"); r >= 0 {
		return violation(RuleMetadata, "description holds the control character %U: only printable text, newlines and tabs are allowed", r)
	}
	return nil
}
