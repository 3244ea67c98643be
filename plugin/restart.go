package plugin

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

const kindRestart = "Restart"

// restartOptions rolls the workloads that read a project's keys.
type restartOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc
	Output    *outputFlags
	DryRun    bool

	project string
	keys    []string
}

func newRestartCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &restartOptions{IOStreams: streams, NewClient: newClient, Output: newOutputFlags()}
	cmd := &cobra.Command{
		Use:   "restart PROJECT [KEY...]",
		Short: "Restart the Deployments, StatefulSets and DaemonSets that read a project's keys",
		Long: `Roll every Deployment, StatefulSet and DaemonSet in the namespace whose Pod
template reads one of the keys (any key of the project, without KEY), as
kubectl rollout restart does: one PATCH each, setting the Pod template
annotation kubectl.kubernetes.io/restartedAt to now. Who reads a key is
decided as uses decides it (env secretKeyRef, envFrom, secret volumes and
projected sources, whole or by items).

Readers that cannot be rolled this way are listed as skipped, with the
reason, and left alone: CronJobs (their next Job reads the new value),
Jobs, ReplicaSets without a Deployment, bare Pods, paused Deployments, and
DigitalHub run copies (Secrets labeled dhcore/project) holding the keys.
A refused PATCH (missing permission) is reported on its line and the
others go on; a kind you may not list is named in a warning and the others
go on. The exit status is 1 when a restart failed or Deployments,
StatefulSets or DaemonSets could not be listed. --dry-run lists and changes
nothing. With -o, each line prints as an object of kind Restart (apiVersion
projsecret.io/v1alpha1) with workload (kind, name), keys, how, result and,
for skipped or failed lines, reason.`,
		Example: `  # Who would restart after rotating DB_PASSWORD?
  kubectl projsecret restart payments DB_PASSWORD --dry-run

  # Restart them
  kubectl projsecret restart payments DB_PASSWORD`,
		Args:              argsBetween(1, -1),
		ValidArgsFunction: completeProjectKeys(newClient, true, -1),
		RunE:              runE(o),
	}
	o.Output.addFlags(cmd)
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "List what would be restarted, and restart nothing.")
	return cmd
}

// Complete takes the arguments.
func (o *restartOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.keys = args[0], args[1:]
	return nil
}

// Validate checks the project name, the keys and the output format.
func (o *restartOptions) Validate(cmd *cobra.Command) error {
	if err := projsecret.ValidateProjectName(o.project); err != nil {
		return usageErrorf(cmd, "%v", err)
	}
	for _, k := range o.keys {
		if err := projsecret.ValidateKey(k); err != nil {
			return usageErrorf(cmd, "%v", err)
		}
	}
	return o.Output.validate(cmd)
}

// Run checks that the project exists, restarts and prints the report.
func (o *restartOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	if _, err := client.Snapshot(ctx, o.project); err != nil {
		return err
	}
	report, err := client.Restart(ctx, o.project, o.keys, o.DryRun)
	if err != nil {
		return err
	}
	return printRestart(o.Out, o.ErrOut, o.Output, report)
}

// printRestart prints a restart report: a line per reader, then, on
// standard error, a summary; it returns an error if a restart failed, so
// that the command exits 1.
func printRestart(out, errOut io.Writer, output *outputFlags, report *store.RestartReport) error {
	for _, res := range report.Unlisted {
		fmt.Fprintf(errOut, "Warning: you may not list %s in this namespace: readers among them are neither restarted nor listed\n", res)
	}
	if len(report.Items) == 0 && output.isTable() {
		fmt.Fprintf(errOut, "Nothing reads %s of project %q: nothing to restart.\n", keysPhrase(report.Keys), report.Project)
	} else {
		items := make([]*unstructured.Unstructured, len(report.Items))
		for i, it := range report.Items {
			items[i] = restartObject(it)
		}
		if err := output.printTo(out, listOf(items), items, func() *metav1.Table { return restartTable(report.Items, items) }, false); err != nil {
			return err
		}
		counts := map[store.RestartAction]int{}
		for _, it := range report.Items {
			counts[it.Action]++
		}
		fmt.Fprintf(errOut, "%d restarted, %d would restart, %d skipped, %d failed (%d objects scanned)\n",
			counts[store.Restarted], counts[store.WouldRestart], counts[store.RestartSkipped], counts[store.RestartFailed], report.Scanned)
		if n := counts[store.RestartFailed]; n > 0 {
			return fmt.Errorf("%d of %d restarts failed (see above)", n, n+counts[store.Restarted])
		}
	}
	if report.Failed() {
		return fmt.Errorf("restart could not list every kind it rolls (see above)")
	}
	return nil
}

func keysPhrase(keys []string) string {
	if len(keys) == 0 {
		return "any key"
	}
	return strings.Join(keys, ", ")
}

func readsKeysText(r store.Reads) string {
	if r.All {
		return "*"
	}
	return strings.Join(r.Keys, ",")
}

// restartResult is the RESULT cell: the action, with its reason or error.
func restartResult(it store.RestartItem) string {
	switch {
	case it.Err != nil:
		return fmt.Sprintf("%s: %s", it.Action, projsecret.Printable(oneLine(it.Err)))
	case it.Reason != "":
		return fmt.Sprintf("%s: %s", it.Action, it.Reason)
	}
	return string(it.Action)
}

func restartObject(it store.RestartItem) *unstructured.Unstructured {
	keys := []any{"*"}
	if !it.Reads.All {
		keys = toAny(it.Reads.Keys)
	}
	obj := map[string]any{
		"apiVersion": outputAPIVersion,
		"kind":       kindRestart,
		"metadata":   map[string]any{"name": it.Name, "namespace": it.Namespace},
		"workload":   map[string]any{"kind": it.Kind, "name": it.Name},
		"keys":       keys,
		"how":        toAny(it.Reads.How),
		"result":     string(it.Action),
	}
	switch {
	case it.Err != nil:
		obj["reason"] = projsecret.Printable(oneLine(it.Err))
	case it.Reason != "":
		obj["reason"] = it.Reason
	}
	return &unstructured.Unstructured{Object: obj}
}

func restartTable(report []store.RestartItem, items []*unstructured.Unstructured) *metav1.Table {
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Kind", Type: "string"},
		{Name: "Name", Type: "string", Format: "name"},
		{Name: "Keys", Type: "string"},
		{Name: "How", Type: "string"},
		{Name: "Result", Type: "string"},
	}}
	for i, it := range report {
		t.Rows = append(t.Rows, tableRow(items[i], it.Kind, it.Name, readsKeysText(it.Reads), strings.Join(it.Reads.How, ","), restartResult(it)))
	}
	return t
}
