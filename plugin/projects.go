package plugin

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// projectsOptions lists the project Secrets.
type projectsOptions struct {
	genericiooptions.IOStreams
	NewClient     ClientFunc
	Output        *outputFlags
	AllNamespaces bool
	Unmanaged     bool
}

func newProjectsCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &projectsOptions{IOStreams: streams, NewClient: newClient, Output: newOutputFlags()}
	cmd := &cobra.Command{
		Use:   "projects",
		Short: "List the projects in the namespace, or in all namespaces",
		Long: `List the projects (the project Secrets) in the current namespace, or with
-A in every namespace you may list Secrets in, with their entry counts and
owners. With -o, projects print as a List of objects of kind Project
(apiVersion projsecret.io/v1alpha1) with the fields entries and owners.

Only metadata is listed (names, labels, annotations, creation times): no
value crosses the wire. --unmanaged also lists the proj-secrets-* Secrets
without the project label, as DigitalHub Core creates them, marked
unmanaged (field unmanaged: true), so they can be adopted.`,
		Example: `  kubectl projsecret projects
  kubectl projsecret projects -A -o name
  kubectl projsecret projects --unmanaged`,
		Args:              argsBetween(0, 0),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE:              runE(o),
	}
	o.Output.addFlags(cmd)
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List the projects of all namespaces.")
	cmd.Flags().BoolVar(&o.Unmanaged, "unmanaged", false, "Also list proj-secrets-* Secrets without the project label (adopt takes them under management).")
	return cmd
}

// Complete has nothing to derive: projects takes no arguments.
func (o *projectsOptions) Complete(*cobra.Command, []string) error { return nil }

// Validate checks the output format.
func (o *projectsOptions) Validate(cmd *cobra.Command) error { return o.Output.validate(cmd) }

// Run lists and prints.
func (o *projectsOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	projects, err := client.ListProjects(ctx, store.ProjectQuery{AllNamespaces: o.AllNamespaces, Unmanaged: o.Unmanaged})
	if err != nil {
		if o.AllNamespaces {
			return fmt.Errorf("all namespaces: %w", err)
		}
		return fmt.Errorf("namespace %q: %w", client.Namespace(), err)
	}
	slices.SortFunc(projects, func(a, b store.Project) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	if len(projects) == 0 && o.Output.isTable() {
		if o.AllNamespaces {
			fmt.Fprintln(o.ErrOut, "No projects found.")
		} else {
			fmt.Fprintf(o.ErrOut, "No projects found in namespace %q.\n", client.Namespace())
		}
		return nil
	}
	items := make([]*unstructured.Unstructured, len(projects))
	for i, p := range projects {
		items[i] = projectObject(p)
	}
	table := func() *metav1.Table { return projectsTable(projects, items, client.Now(), o.Unmanaged) }
	return o.Output.printTo(o.Out, listOf(items), items, table, o.AllNamespaces)
}

// projectsTable adds a STATUS column only with --unmanaged, so the default
// table stays as scripts know it.
func projectsTable(projects []store.Project, items []*unstructured.Unstructured, at time.Time, withStatus bool) *metav1.Table {
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Project", Type: "string", Format: "name"},
		{Name: "Entries", Type: "string"},
		{Name: "Owners", Type: "string"},
		{Name: "Age", Type: "string"},
		{Name: "Expired", Type: "string", Priority: 1, Description: "entries whose expiresAt has passed"},
	}}
	if withStatus {
		t.ColumnDefinitions = append(t.ColumnDefinitions, metav1.TableColumnDefinition{Name: "Status", Type: "string"})
	}
	for i, p := range projects {
		owners := projsecret.Printable(p.Owners)
		if owners == "" {
			owners = "<none>"
		}
		entries, status := fmt.Sprint(p.Entries), "managed"
		if p.Unmanaged {
			// A metadata-only listing cannot count the keys of a Secret
			// that has no entries annotation.
			entries, status = "<unknown>", "unmanaged"
		}
		expired := fmt.Sprint(p.Expired)
		if p.Unmanaged {
			expired = "<unknown>"
		}
		cells := []any{p.Name, entries, owners, age(at, p.Created.Time), expired}
		if withStatus {
			cells = append(cells, status)
		}
		t.Rows = append(t.Rows, tableRow(items[i], cells...))
	}
	return t
}
