package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	yaml "go.yaml.in/yaml/v3"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// editOptions edits entries in $EDITOR and writes every change in one go.
type editOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc
	restartAfter

	project string
	keys    []string
}

func newEditCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &editOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "edit PROJECT [KEY...]",
		Short: "Edit values, descriptions and labels in your editor",
		Long: `Open $KUBE_EDITOR, else $EDITOR, else vi, on a YAML document of the
project's entries (all of them, or the keys given): each key with its value,
description and labels. Change them, add entries or remove them; on save,
every change goes in one write. Saving without a change, or an empty file,
cancels.

An invalid document reopens the editor with the errors as comments at the
top, as "kubectl edit" does. A value that is not valid UTF-8 is shown as a
placeholder (binaryValue) that cannot be edited and stays as it is.

The file lives in a new directory only you can read, and is removed
whatever happens: Ctrl-C, Ctrl-\ and any other signal a program can catch
included (SIGKILL cannot be caught and ends it without cleanup; Go ignores
the real-time signals it does not catch). If the Secret changes while the editor
is open, the edit is still applied when none of the entries it changes
moved; otherwise it fails and names the key that moved.`,
		Example: `  # Edit every entry of a project
  kubectl projsecret edit payments

  # Edit two entries with another editor
  KUBE_EDITOR="code --wait" kubectl projsecret edit payments DB_USER DB_PASSWORD`,
		Args:              argsBetween(1, -1),
		ValidArgsFunction: completeProjectKeys(newClient, true, -1),
		RunE:              runE(o),
	}
	o.restartAfter.addFlag(cmd)
	return cmd
}

// Complete takes the arguments.
func (o *editOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.keys = args[0], args[1:]
	return nil
}

// Validate has nothing to check: project and keys are checked on reading.
func (o *editOptions) Validate(*cobra.Command) error { return nil }

// editEntry is one entry as the document shows it. value is nil for a
// value kept as it is (not valid UTF-8, shown as a placeholder).
type editEntry struct {
	value       []byte
	binary      bool
	description string
	labels      map[string]string
}

const editHeader = `# Edit the entries of project %q. Change values, descriptions and labels,
# add entries or remove them; every change is written when you save and quit.
# Lines starting with '#' are ignored; an empty file cancels the edit.
`

// binaryPlaceholder stands for a value the document cannot show.
func binaryPlaceholder(n int) string {
	return fmt.Sprintf("<%d bytes, not valid UTF-8: kept as it is; use set --from-file to change it>", n)
}

// Run reads the entries, runs the editor until the document is valid or
// cancelled, and applies the changes.
func (o *editOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	snap, err := client.Snapshot(ctx, o.project, o.keys...)
	if err != nil {
		return err
	}
	original := make(map[string]editEntry, len(snap.Values))
	for k, v := range snap.Values {
		original[k] = editEntry{value: v, binary: !utf8.Valid(v), description: snap.Entries[k].Description, labels: snap.Entries[k].Labels}
	}
	body, err := renderEdit(original)
	if err != nil {
		return &projsecret.Error{Project: o.project, Err: err}
	}

	header := fmt.Sprintf(editHeader, o.project)
	var lastErrs []string
	var lastBody []byte
	for {
		content := header
		if len(lastErrs) > 0 {
			content += "#\n# The edit was not applied; fix the following and save, or save an empty file to cancel:\n"
			for _, e := range lastErrs {
				content += "# error: " + strings.ReplaceAll(e, "\n", " ") + "\n"
			}
		}
		content += "#\n" + string(body)
		edited, err := o.edit([]byte(content))
		if err != nil {
			return err
		}
		edited = stripLeadingComments(edited)
		if len(bytes.TrimSpace(stripComments(edited))) == 0 {
			fmt.Fprintln(o.Out, "Edit cancelled, saved file was empty.")
			return nil
		}
		if lastErrs != nil && bytes.Equal(edited, lastBody) {
			return &projsecret.Error{Project: o.project, Err: fmt.Errorf("the edited file still has errors, nothing was written: %s", strings.Join(lastErrs, "; "))}
		}
		desired, errs := parseEdit(edited, original)
		if len(errs) == 0 {
			changes := planEdit(original, desired)
			if changes.empty() {
				fmt.Fprintln(o.Out, "Edit cancelled, no changes made.")
				return nil
			}
			err := client.Apply(ctx, o.project, projsecret.ApplyOptions{}, o.track(func(b *projsecret.Batch) error {
				return changes.apply(b, original)
			}))
			var v *projsecret.Violation
			if err == nil {
				fmt.Fprintf(o.Out, "project %q: edited, %d created, %d updated, %d deleted\n", o.project, len(changes.create), len(changes.update), len(changes.remove))
				return o.restartAfter.run(ctx, client, o.project, o.Out, o.ErrOut, false)
			}
			if !errors.As(err, &v) {
				return err
			}
			errs = []string{err.Error()}
		}
		lastErrs, lastBody, body = errs, edited, edited
	}
}

// renderEdit writes the document: a mapping from key to value, description
// and labels, every string double-quoted so that nothing is reinterpreted.
func renderEdit(entries map[string]editEntry) ([]byte, error) {
	str := func(s string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
	}
	key := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	root := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range slices.Sorted(maps.Keys(entries)) {
		e := entries[k]
		m := &yaml.Node{Kind: yaml.MappingNode}
		if e.binary {
			m.Content = append(m.Content, key("binaryValue"), str(binaryPlaceholder(len(e.value))))
		} else {
			m.Content = append(m.Content, key("value"), str(string(e.value)))
		}
		m.Content = append(m.Content, key("description"), str(e.description))
		if len(e.labels) > 0 {
			l := &yaml.Node{Kind: yaml.MappingNode}
			for _, lk := range slices.Sorted(maps.Keys(e.labels)) {
				l.Content = append(l.Content, key(lk), str(e.labels[lk]))
			}
			m.Content = append(m.Content, key("labels"), l)
		}
		root.Content = append(root.Content, key(k), m)
	}
	if len(root.Content) == 0 {
		root.Style = yaml.FlowStyle
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("rendering the entries for the editor: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("rendering the entries for the editor: %w", err)
	}
	return buf.Bytes(), nil
}

// stripLeadingComments drops the comment block the plugin put on top, so a
// reopened document carries only the latest errors.
func stripLeadingComments(b []byte) []byte {
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte("\n"))
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			break
		}
		b = rest
	}
	return b
}

// stripComments drops every comment line, to tell an empty file.
func stripComments(b []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, line...)
			out = append(out, '\n')
		}
	}
	return out
}

// parseEdit reads the edited document, reporting every problem found.
func parseEdit(data []byte, original map[string]editEntry) (map[string]editEntry, []string) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, []string{fmt.Sprintf("invalid YAML: %v", err)}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, []string{fmt.Sprintf("line %d: expected a mapping from each key to its value, description and labels", root.Line)}
	}
	var errs []string
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
	}
	out := map[string]editEntry{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		kn, vn := root.Content[i], root.Content[i+1]
		if kn.Kind != yaml.ScalarNode {
			fail(kn.Line, "expected a key")
			continue
		}
		key := kn.Value
		if err := projsecret.ValidateKey(key); err != nil {
			fail(kn.Line, "%v", err)
			continue
		}
		if _, dup := out[key]; dup {
			fail(kn.Line, "key %q appears twice", key)
			continue
		}
		if vn.Kind != yaml.MappingNode {
			fail(vn.Line, "key %q: expected value, description and labels under it", key)
			continue
		}
		var e editEntry
		var hasValue, hasBinary bool
		seen := map[string]bool{}
		for j := 0; j+1 < len(vn.Content); j += 2 {
			fk, fv := vn.Content[j], vn.Content[j+1]
			if seen[fk.Value] {
				fail(fk.Line, "key %q: %s appears twice", key, fk.Value)
				continue
			}
			seen[fk.Value] = true
			switch fk.Value {
			case "value":
				s, ok := scalar(fv)
				if !ok {
					fail(fv.Line, `key %q: value must be a string (quote it; "" for empty)`, key)
					continue
				}
				e.value, hasValue = []byte(s), true
			case "binaryValue":
				orig, ok := original[key]
				if s, _ := scalar(fv); !ok || !orig.binary || s != binaryPlaceholder(len(orig.value)) {
					fail(fv.Line, "key %q: binaryValue is a placeholder for a value that is not valid UTF-8 and cannot be edited: leave it, or replace it with value", key)
					continue
				}
				e.value, e.binary, hasBinary = orig.value, true, true
			case "description":
				s, ok := scalar(fv)
				if !ok {
					fail(fv.Line, "key %q: description must be a string", key)
					continue
				}
				if err := projsecret.ValidateDescription(s); err != nil {
					fail(fv.Line, "key %q: %v", key, err)
					continue
				}
				e.description = s
			case "labels":
				if fv.Kind == yaml.ScalarNode && fv.Tag == "!!null" {
					continue
				}
				if fv.Kind != yaml.MappingNode {
					fail(fv.Line, "key %q: labels must be a mapping of label keys to values", key)
					continue
				}
				for l := 0; l+1 < len(fv.Content); l += 2 {
					lk, _ := scalar(fv.Content[l])
					lv, ok := scalar(fv.Content[l+1])
					if !ok {
						fail(fv.Content[l].Line, "key %q: label %q must have a string value", key, lk)
						continue
					}
					if err := projsecret.ValidateLabel(lk, lv); err != nil {
						fail(fv.Content[l].Line, "key %q: %v", key, err)
						continue
					}
					if _, dup := e.labels[lk]; dup {
						fail(fv.Content[l].Line, "key %q: label %q appears twice", key, lk)
						continue
					}
					if e.labels == nil {
						e.labels = map[string]string{}
					}
					e.labels[lk] = lv
				}
			default:
				fail(fk.Line, "key %q: unknown field %q: expected value, description or labels", key, fk.Value)
			}
		}
		switch {
		case hasValue && hasBinary:
			fail(kn.Line, "key %q: expected value or binaryValue, not both", key)
		case !hasValue && !hasBinary:
			fail(kn.Line, "key %q: value is missing", key)
		}
		out[key] = e
	}
	return out, errs
}

// scalar is a node's text when it is a scalar other than null: in the
// editor, "8080" or "true" mean the text typed.
func scalar(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

// editChanges are what the saved document changes.
type editChanges struct {
	create, update map[string]editEntry
	remove         []string
}

func (c editChanges) empty() bool {
	return len(c.create) == 0 && len(c.update) == 0 && len(c.remove) == 0
}

func planEdit(original, desired map[string]editEntry) editChanges {
	c := editChanges{create: map[string]editEntry{}, update: map[string]editEntry{}}
	for k, d := range desired {
		o, ok := original[k]
		switch {
		case !ok:
			c.create[k] = d
		case !bytes.Equal(o.value, d.value) || o.description != d.description || !maps.Equal(o.labels, d.labels):
			c.update[k] = d
		}
	}
	for k := range original {
		if _, ok := desired[k]; !ok {
			c.remove = append(c.remove, k)
		}
	}
	slices.Sort(c.remove)
	return c
}

// apply makes the changes on b, first checking that no entry they touch
// moved on the server since the editor opened: the others may have.
func (c editChanges) apply(b *projsecret.Batch, original map[string]editEntry) error {
	moved := func(k string) error {
		return fmt.Errorf("key %q changed on the server while the editor was open: nothing was written, edit again", k)
	}
	for _, k := range slices.Sorted(maps.Keys(c.create)) {
		if _, ok := b.Value(k); ok {
			return fmt.Errorf("key %q was created on the server while the editor was open: nothing was written, edit again", k)
		}
	}
	touched := append(slices.Sorted(maps.Keys(c.update)), c.remove...)
	for _, k := range touched {
		v, ok := b.Value(k)
		m, _ := b.Meta(k)
		o := original[k]
		if !ok || !bytes.Equal(v, o.value) || m.Description != o.description || !maps.Equal(m.Labels, o.labels) {
			return moved(k)
		}
	}
	for _, k := range c.remove {
		if err := b.Remove(k); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.create)) {
		e := c.create[k]
		if err := b.Put(k, e.value, projsecret.MetaChange{Description: &e.description, SetLabels: e.labels}); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.update)) {
		e, o := c.update[k], original[k]
		change := metaChange(o, e)
		if bytes.Equal(o.value, e.value) {
			if err := b.UpdateMeta(k, change); err != nil {
				return err
			}
			continue
		}
		if err := b.Put(k, e.value, change); err != nil {
			return err
		}
	}
	return nil
}

// metaChange turns the difference in description and labels into a change.
func metaChange(o, e editEntry) projsecret.MetaChange {
	var change projsecret.MetaChange
	if o.description != e.description {
		change.Description = &e.description
	}
	if !maps.Equal(o.labels, e.labels) {
		change.SetLabels = e.labels
		for k := range o.labels {
			if _, keep := e.labels[k]; !keep {
				change.RemoveLabels = append(change.RemoveLabels, k)
			}
		}
	}
	return change
}
