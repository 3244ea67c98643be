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
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// expiringOptions lists the entries that expire soon, or have.
type expiringOptions struct {
	genericiooptions.IOStreams
	NewClient     ClientFunc
	Output        *outputFlags
	AllNamespaces bool
	Within        time.Duration

	project string
}

func newExpiringCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &expiringOptions{IOStreams: streams, NewClient: newClient, Output: newOutputFlags()}
	cmd := &cobra.Command{
		Use:   "expiring [PROJECT]",
		Short: "List the entries that expire soon, or have expired",
		Long: `List the entries whose expiresAt falls before now + --within, expired
ones first, with their project, key, expiry and who last set them: of
PROJECT, or of every project in the namespace (-A: in every namespace).
Only metadata is read, never a value.

The exit status is 0 when nothing is listed, 1 when something is, and 2 on
an error, so that a CI job or a CronJob can gate on it. With -o, each line
prints as an object of kind Entry, as get prints it, with its project.`,
		Example: `  # What expires within the next 30 days, in this namespace?
  kubectl projsecret expiring

  # Fail a pipeline when a payments entry expires within a day
  kubectl projsecret expiring payments --within 24h`,
		Args:              argsBetween(0, 1),
		ValidArgsFunction: completeProjectKeys(newClient, false, 1),
		Annotations:       map[string]string{errorExitCodeAnnotation: "2"},
		RunE:              runE(o),
	}
	o.Output.addFlags(cmd)
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List the entries of every namespace.")
	cmd.Flags().DurationVar(&o.Within, "within", store.DefaultExpiringWithin, "List entries that expire before now plus this Go duration.")
	return cmd
}

// Complete takes the optional project.
func (o *expiringOptions) Complete(_ *cobra.Command, args []string) error {
	if len(args) == 1 {
		o.project = args[0]
	}
	return nil
}

// Validate checks the project name, --within and the output format.
func (o *expiringOptions) Validate(cmd *cobra.Command) error {
	if o.project != "" {
		if err := projsecret.ValidateProjectName(o.project); err != nil {
			return usageErrorf(cmd, "%v", err)
		}
	}
	if o.Within < 0 {
		return usageErrorf(cmd, "--within %s: expected a duration of 0 or more", o.Within)
	}
	return o.Output.validate(cmd)
}

// Run lists, prints, and exits 1 when anything was listed.
func (o *expiringOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	if o.project != "" && !o.AllNamespaces {
		// A typo in the project must not read as "nothing expires".
		if _, err := client.List(ctx, o.project); err != nil {
			return err
		}
	}
	found, err := client.Expiring(ctx, store.ExpiringQuery{Project: o.project, AllNamespaces: o.AllNamespaces, Within: o.Within})
	if err != nil {
		return err
	}
	if len(found) == 0 && o.Output.isTable() {
		fmt.Fprintf(o.ErrOut, "Nothing expires within %s.\n", o.Within)
		return nil
	}
	items := make([]*unstructured.Unstructured, len(found))
	for i, e := range found {
		items[i] = entryObject(e.Namespace, e.Project, store.Entry{Key: e.Key, EntryMeta: e.EntryMeta})
		// Only metadata was read: the value's size is unknown.
		delete(items[i].Object, "size")
	}
	now := client.Now()
	table := func() *metav1.Table {
		t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
			{Name: "Project", Type: "string"},
			{Name: "Key", Type: "string", Format: "name"},
			{Name: "Expires-At", Type: "string"},
			{Name: "Expires", Type: "string"},
			{Name: "Updated-By", Type: "string"},
		}}
		for i, e := range found {
			t.Rows = append(t.Rows, tableRow(items[i], e.Project, e.Key, e.ExpiresAt.UTC().Format(time.RFC3339), expires(now, e.EntryMeta), projsecret.Printable(orUnknown(e.UpdatedBy))))
		}
		return t
	}
	if err := o.Output.printTo(o.Out, listOf(items), items, table, o.AllNamespaces); err != nil {
		return err
	}
	if len(found) == 0 {
		return nil
	}
	return &exitError{code: 1}
}
