package plugin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// kindHistory is the object history prints for -o.
const kindHistory = "History"

// historyOptions lists a project's revisions, or a key's. Values are never
// printed: read --revision prints one.
type historyOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc
	Output    *outputFlags

	project, key string
}

func newHistoryCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &historyOptions{IOStreams: streams, NewClient: newClient, Output: newOutputFlags()}
	cmd := &cobra.Command{
		Use:   "history PROJECT [KEY]",
		Short: "List a project's revisions, newest first, never their values",
		Long: `List the revisions of a project, newest first: every write through
projsecret records one, with its number, time, user and what it did to each
key. With KEY, only the revisions that touch it. A deleted project's history
is listed too (see "undelete").

CHANGES marks each key: +KEY created, ~KEY value updated, *KEY description or
labels changed, -KEY deleted.

With -o, the history prints as one object (kind History) whose items are
{"revision": N, "time": RFC 3339, "user": "...", "changes": [{"key": "K",
"change": "created|updated|metadata|deleted"}]}.`,
		Example: `  kubectl projsecret history payments
  kubectl projsecret history payments DB_PASSWORD -o json

  # Then read or restore a value as it was
  kubectl projsecret read payments DB_PASSWORD --revision 3
  kubectl projsecret rollback payments DB_PASSWORD --to-revision 3`,
		Args:              argsBetween(1, 2),
		ValidArgsFunction: completeProjectKeys(newClient, true, 2),
		RunE:              runE(o),
	}
	o.Output.addFlags(cmd)
	return cmd
}

// Complete takes the arguments.
func (o *historyOptions) Complete(_ *cobra.Command, args []string) error {
	o.project = args[0]
	if len(args) > 1 {
		o.key = args[1]
	}
	return nil
}

// Validate checks the output format.
func (o *historyOptions) Validate(cmd *cobra.Command) error { return o.Output.validate(cmd) }

// Run reads the history and prints it.
func (o *historyOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	revs, err := client.History(ctx, o.project, o.key)
	if err != nil {
		return err
	}
	if len(revs) == 0 && o.Output.isTable() {
		fmt.Fprintf(o.ErrOut, "No revisions of project %q in namespace %q.\n", o.project, client.Namespace())
		return nil
	}
	items := make([]*unstructured.Unstructured, len(revs))
	plain := make([]any, len(revs))
	for i, r := range revs {
		items[i] = &unstructured.Unstructured{Object: revisionObject(r)}
		plain[i] = items[i].Object
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": outputAPIVersion,
		"kind":       kindHistory,
		"metadata":   map[string]any{"name": o.project, "namespace": client.Namespace()},
		"items":      plain,
	}}
	if o.Output.output == "name" {
		// The name printer takes an object with items for a list of
		// objects, which revisions are not: it names the history.
		delete(obj.Object, "items")
	}
	table := func() *metav1.Table { return historyTable(revs, items, client.Now()) }
	return o.Output.printTo(o.Out, obj, items, table, false)
}

// revisionObject is a revision as -o prints it: no value, no metadata.
func revisionObject(r *projsecret.Revision) map[string]any {
	changes := make([]any, len(r.Changes))
	for i, c := range r.Changes {
		changes[i] = map[string]any{"key": c.Key, "change": string(c.Change)}
	}
	return map[string]any{
		"revision": int64(r.Revision),
		"time":     r.Time.UTC().Format(time.RFC3339),
		"user":     r.User,
		"changes":  changes,
	}
}

var changeMarks = map[projsecret.Change]string{
	projsecret.ChangeCreated:  "+",
	projsecret.ChangeUpdated:  "~",
	projsecret.ChangeMetadata: "*",
	projsecret.ChangeDeleted:  "-",
}

func historyTable(revs []*projsecret.Revision, items []*unstructured.Unstructured, at time.Time) *metav1.Table {
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Revision", Type: "integer"},
		{Name: "Age", Type: "string"},
		{Name: "User", Type: "string"},
		{Name: "Changes", Type: "string"},
	}}
	for i, r := range revs {
		marks := make([]string, 0, len(r.Changes)+1)
		for _, c := range r.Changes {
			marks = append(marks, changeMarks[c.Change]+projsecret.Printable(c.Key))
		}
		if r.ProjectDeleted {
			marks = append(marks, "(project deleted)")
		}
		t.Rows = append(t.Rows, tableRow(items[i], int64(r.Revision), age(at, r.Time), projsecret.Printable(r.User), strings.Join(marks, " ")))
	}
	return t
}
