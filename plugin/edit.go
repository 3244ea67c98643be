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
	"github.com/projsecret/projsecret/internal/editdoc"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
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
	original := make(map[string]editdoc.Entry, len(snap.Values))
	for k, v := range snap.Values {
		original[k] = editdoc.Entry{Value: v, Binary: !utf8.Valid(v), Description: snap.Entries[k].Description, Labels: snap.Entries[k].Labels}
	}
	body, err := editdoc.Render(original)
	if err != nil {
		return &projsecret.Error{Project: o.project, Err: err}
	}

	header := editdoc.Header(o.project)
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
		edited = editdoc.StripLeadingComments(edited)
		if editdoc.IsEmpty(edited) {
			fmt.Fprintln(o.Out, "Edit cancelled, saved file was empty.")
			return nil
		}
		if lastErrs != nil && bytes.Equal(edited, lastBody) {
			return &projsecret.Error{Project: o.project, Err: fmt.Errorf("the edited file still has errors, nothing was written: %s", strings.Join(lastErrs, "; "))}
		}
		desired, errs := editdoc.Parse(edited, original)
		if len(errs) == 0 {
			changes := editdoc.Plan(original, desired)
			if changes.Empty() {
				fmt.Fprintln(o.Out, "Edit cancelled, no changes made.")
				return nil
			}
			err := client.Apply(ctx, o.project, store.ApplyOptions{}, o.track(func(b *store.Batch) error {
				return applyEdit(b, changes, original)
			}))
			var v *projsecret.Violation
			if err == nil {
				fmt.Fprintf(o.Out, "project %q: edited, %d created, %d updated, %d deleted\n", o.project, len(changes.Create), len(changes.Update), len(changes.Remove))
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

// applyEdit makes the changes on b, first checking that no entry they
// touch moved on the server since the editor opened: the others may have.
func applyEdit(b *store.Batch, c editdoc.Changes, original map[string]editdoc.Entry) error {
	moved := func(k string) error {
		return fmt.Errorf("key %q changed on the server while the editor was open: nothing was written, edit again", k)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Create)) {
		if _, ok := b.Value(k); ok {
			return fmt.Errorf("key %q was created on the server while the editor was open: nothing was written, edit again", k)
		}
	}
	touched := append(slices.Sorted(maps.Keys(c.Update)), c.Remove...)
	for _, k := range touched {
		v, ok := b.Value(k)
		m, _ := b.Meta(k)
		if !ok || !editdoc.Same(editdoc.Entry{Value: v, Description: m.Description, Labels: m.Labels}, original[k]) {
			return moved(k)
		}
	}
	for _, k := range c.Remove {
		if err := b.Remove(k); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Create)) {
		e := c.Create[k]
		if err := b.Put(k, e.Value, store.MetaChange{Description: &e.Description, SetLabels: e.Labels}); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Update)) {
		e, o := c.Update[k], original[k]
		change := metaChange(o, e)
		if bytes.Equal(o.Value, e.Value) {
			if err := b.UpdateMeta(k, change); err != nil {
				return err
			}
			continue
		}
		if err := b.Put(k, e.Value, change); err != nil {
			return err
		}
	}
	return nil
}

// metaChange turns the difference in description and labels into a change.
func metaChange(o, e editdoc.Entry) store.MetaChange {
	var change store.MetaChange
	if o.Description != e.Description {
		change.Description = &e.Description
	}
	if !maps.Equal(o.Labels, e.Labels) {
		change.SetLabels = e.Labels
		for k := range o.Labels {
			if _, keep := e.Labels[k]; !keep {
				change.RemoveLabels = append(change.RemoveLabels, k)
			}
		}
	}
	return change
}
