package plugin

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

const kindUse = "Use"

// usesOptions finds the workloads that read a project's Secret, and
// DigitalHub's run copies of it.
type usesOptions struct {
	genericiooptions.IOStreams
	NewClient     ClientFunc
	Output        *outputFlags
	AllNamespaces bool

	project string
	keys    []string
}

func newUsesCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &usesOptions{IOStreams: streams, NewClient: newClient, Output: newOutputFlags()}
	cmd := &cobra.Command{
		Use:   "uses PROJECT [KEY...]",
		Short: "Find the workloads that read a project's entries, and stale run copies",
		Long: `List the workloads whose Pod templates read the project's Secret: through
env valueFrom.secretKeyRef, envFrom secretRef (every key), or a secret volume
or projected secret source (every key, or the listed items), in containers,
init containers and ephemeral containers. Pods, Deployments, StatefulSets,
DaemonSets, ReplicaSets not owned by a Deployment, Jobs not owned by a
CronJob, and CronJobs are scanned; Pods owned by a scanned controller are
shown as that controller. KEYS is which keys the workload can read (* for
all), HOW is env, envFrom or volume. With KEY arguments, only workloads that
can read at least one of them are listed.

DigitalHub run copies, Secrets labeled dhcore/project=PROJECT, are listed too
(HOW copy), with STALE naming the keys whose value differs from the project's
now: values are compared, never printed.

Only LIST requests are made, one per kind, and how many objects were scanned
is reported on standard error. A kind you may not list is named in a warning
and skipped; what the other kinds show is printed, and the command then exits
1, as kubectl get does with a partial answer. With -o, each line prints as an object of kind
Use (apiVersion projsecret.io/v1alpha1) with the fields workload (kind, name),
keys, how and, for copies, staleKeys.`,
		Example: `  # Who reads anything of payments?
  kubectl projsecret uses payments

  # Who must restart after rotating DB_PASSWORD, in every namespace
  kubectl projsecret uses payments DB_PASSWORD -A`,
		Args:              argsBetween(1, -1),
		ValidArgsFunction: completeProjectKeys(newClient, true, -1),
		RunE:              runE(o),
	}
	o.Output.addFlags(cmd)
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Scan every namespace (each workload is matched against the project's Secret of its own namespace).")
	return cmd
}

// Complete takes the arguments.
func (o *usesOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.keys = args[0], args[1:]
	return nil
}

// Validate checks the project name and the output format.
func (o *usesOptions) Validate(cmd *cobra.Command) error {
	if err := projsecret.ValidateProjectName(o.project); err != nil {
		return usageErrorf(cmd, "%v", err)
	}
	return o.Output.validate(cmd)
}

// use is one line of the answer: a workload, or a run copy.
type use struct {
	namespace, kind, name string
	all                   bool
	keys                  []string
	how                   []string
	isCopy                bool
	stale                 []string
}

// Run lists every kind once, matches and prints.
func (o *usesOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	ns := client.Namespace()
	if o.AllNamespaces {
		ns = metav1.NamespaceAll
	}
	if !o.AllNamespaces {
		// Fail early, and clearly, on a project that is not there.
		if _, err := client.Snapshot(ctx, o.project); err != nil {
			return err
		}
	}
	scan, err := client.ScanWorkloads(ctx, ns, o.project)
	if err != nil {
		return err
	}
	uses := match(scan, projsecret.SecretName(o.project), o.keys)
	copies, err := o.runCopies(ctx, client, scan.Copies)
	if err != nil {
		return err
	}
	uses = append(uses, copies...)
	slices.SortFunc(uses, func(a, b use) int {
		return cmp.Or(cmp.Compare(a.namespace, b.namespace), cmp.Compare(a.kind, b.kind), cmp.Compare(a.name, b.name))
	})
	fmt.Fprintf(o.ErrOut, "scanned %d objects\n", scan.Scanned)
	where := fmt.Sprintf("in namespace %q", client.Namespace())
	if o.AllNamespaces {
		where = "in every namespace"
	}
	for _, res := range scan.Forbidden {
		fmt.Fprintf(o.ErrOut, "Warning: you may not list %s %s: readers among them are not shown\n", res, where)
	}
	if err := o.print(uses, where); err != nil {
		return err
	}
	if len(scan.Forbidden) > 0 {
		return fmt.Errorf("the answer is incomplete: you may not list %s %s", strings.Join(scan.Forbidden, ", "), where)
	}
	return nil
}

// print writes the uses found, or says on standard error that there are none.
func (o *usesOptions) print(uses []use, where string) error {
	if len(uses) == 0 && o.Output.isTable() {
		if o.AllNamespaces {
			fmt.Fprintf(o.ErrOut, "Nothing uses project %q.\n", o.project)
		} else {
			fmt.Fprintf(o.ErrOut, "Nothing uses project %q %s.\n", o.project, where)
		}
		return nil
	}
	items := make([]*unstructured.Unstructured, len(uses))
	for i, u := range uses {
		items[i] = u.object()
	}
	return o.Output.printTo(o.Out, listOf(items), items, func() *metav1.Table { return usesTable(uses, items) }, o.AllNamespaces)
}

// runCopies compares each run copy with the project as stored in the
// copy's namespace now.
func (o *usesOptions) runCopies(ctx context.Context, client *store.Client, copies []corev1.Secret) ([]use, error) {
	current := map[string]map[string][]byte{}
	var out []use
	for _, s := range copies {
		if s.Name == projsecret.SecretName(o.project) {
			// The project's own Secret, labeled by DigitalHub too, is no copy.
			continue
		}
		values, ok := current[s.Namespace]
		if !ok {
			snap, err := client.InNamespace(s.Namespace).Snapshot(ctx, o.project)
			switch {
			case errors.Is(err, projsecret.ErrNotFound):
				// Every key of a copy of a project gone is stale.
			case err != nil:
				return nil, err
			default:
				values = snap.Values
			}
			current[s.Namespace] = values
		}
		held := slices.Sorted(maps.Keys(s.Data))
		if len(o.keys) > 0 {
			held = slices.DeleteFunc(held, func(k string) bool { return !slices.Contains(o.keys, k) })
			if len(held) == 0 {
				continue
			}
		}
		u := use{namespace: s.Namespace, kind: "Secret", name: s.Name, keys: held, how: []string{"copy"}, isCopy: true}
		for _, k := range held {
			if v, ok := values[k]; !ok || !bytes.Equal(v, s.Data[k]) {
				u.stale = append(u.stale, k)
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// match returns the workloads of scan that read secret (at least one of
// keys, if any are given).
func match(scan *store.WorkloadScan, secret string, keys []string) []use {
	var out []use
	for _, wl := range scan.Workloads {
		r := store.PodSpecReads(wl.Spec, secret)
		if !r.ReadsAny(keys) {
			continue
		}
		r = r.Only(keys)
		out = append(out, use{namespace: wl.Namespace, kind: wl.Kind, name: wl.Name, all: r.All, keys: r.Keys, how: r.How})
	}
	return out
}

func (u use) keysText() string {
	if u.all {
		return "*"
	}
	return strings.Join(u.keys, ",")
}

func (u use) object() *unstructured.Unstructured {
	keys := []any{"*"}
	if !u.all {
		keys = toAny(u.keys)
	}
	obj := map[string]any{
		"apiVersion": outputAPIVersion,
		"kind":       kindUse,
		"metadata":   map[string]any{"name": u.name, "namespace": u.namespace},
		"workload":   map[string]any{"kind": u.kind, "name": u.name},
		"keys":       keys,
		"how":        toAny(u.how),
	}
	if u.isCopy {
		obj["staleKeys"] = toAny(u.stale)
	}
	return &unstructured.Unstructured{Object: obj}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func usesTable(uses []use, items []*unstructured.Unstructured) *metav1.Table {
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Kind", Type: "string"},
		{Name: "Name", Type: "string", Format: "name"},
		{Name: "Keys", Type: "string"},
		{Name: "How", Type: "string"},
		{Name: "Stale", Type: "string", Description: "keys of a run copy whose value differs from the project's"},
	}}
	for i, u := range uses {
		stale := ""
		if u.isCopy {
			stale = "<none>"
			if len(u.stale) > 0 {
				stale = strings.Join(u.stale, ",")
			}
		}
		t.Rows = append(t.Rows, tableRow(items[i], u.kind, u.name, u.keysText(), strings.Join(u.how, ","), stale))
	}
	return t
}
