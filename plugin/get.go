package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// getOptions lists entries' metadata. It never fetches a value for printing:
// the client returns sizes only.
type getOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc
	Output    *outputFlags

	project string
	keys    []string
}

func newGetCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &getOptions{IOStreams: streams, NewClient: newClient, Output: newOutputFlags()}
	cmd := &cobra.Command{
		Use:   "get PROJECT [KEY...]",
		Short: "List entries and their metadata, never their values",
		Long: `List the entries of a project, or only the given keys, with their
description, labels, value size in bytes, and who changed them last, when.
Values are never printed (see "read").

With -o, entries print as objects of kind Entry (apiVersion
projsecret.io/v1alpha1, metadata.name is the key) with the fields project,
description, labels, size, createdAt, createdBy, updatedAt and updatedBy;
one KEY prints one object, anything else a List.`,
		Example: `  # All entries of a project
  kubectl projsecret get payments

  # One entry as YAML, or just its description
  kubectl projsecret get payments DB_PASSWORD -o yaml
  kubectl projsecret get payments DB_PASSWORD -o jsonpath='{.description}'

  # Keys and who last changed them
  kubectl projsecret get payments -o custom-columns=KEY:.metadata.name,BY:.updatedBy`,
		Args:              argsBetween(1, -1),
		ValidArgsFunction: completeProjectKeys(newClient, true, -1),
		RunE:              runE(o),
	}
	o.Output.addFlags(cmd)
	return cmd
}

// Complete takes the arguments.
func (o *getOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.keys = args[0], args[1:]
	return nil
}

// Validate checks the output format.
func (o *getOptions) Validate(cmd *cobra.Command) error {
	return o.Output.validate(cmd)
}

// Run lists and prints.
func (o *getOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	entries, err := client.List(ctx, o.project, o.keys...)
	if err != nil {
		return err
	}
	items := make([]*unstructured.Unstructured, len(entries))
	for i, e := range entries {
		items[i] = entryObject(client.Namespace(), o.project, e)
	}
	var obj runtime.Object = listOf(items)
	if len(o.keys) == 1 {
		obj = items[0]
	}
	if len(entries) == 0 && o.Output.isTable() {
		fmt.Fprintf(o.ErrOut, "No entries in project %q in namespace %q.\n", o.project, client.Namespace())
		return nil
	}
	table := func() *metav1.Table { return entriesTable(entries, items, client.Now()) }
	return o.Output.printTo(o.Out, obj, items, table, false)
}

func entriesTable(entries []store.Entry, items []*unstructured.Unstructured, at time.Time) *metav1.Table {
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Key", Type: "string", Format: "name"},
		{Name: "Description", Type: "string"},
		{Name: "Labels", Type: "string"},
		{Name: "Size", Type: "integer", Description: "value size in bytes"},
		{Name: "Updated", Type: "string"},
		{Name: "Updated-By", Type: "string"},
		{Name: "Expires", Type: "string", Description: "when the value must be rotated"},
		{Name: "Created", Type: "string", Priority: 1},
		{Name: "Created-By", Type: "string", Priority: 1},
	}}
	for i, e := range entries {
		t.Rows = append(t.Rows, tableRow(items[i],
			e.Key, projsecret.Printable(e.Description), projsecret.Printable(labels.FormatLabels(e.Labels)), int64(e.Size),
			age(at, e.UpdatedAt), projsecret.Printable(orUnknown(e.UpdatedBy)), expires(at, e.EntryMeta),
			age(at, e.CreatedAt), projsecret.Printable(orUnknown(e.CreatedBy))))
	}
	return t
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}
