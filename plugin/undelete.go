package plugin

import (
	"context"
	"fmt"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// undeleteOptions restores deleted entries, and a deleted project.
type undeleteOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc
	restartAfter

	project string
	keys    []string
}

func newUndeleteCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &undeleteOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "undelete PROJECT KEY...",
		Short: "Restore deleted entries, or a deleted project",
		Long: `Restore deleted keys to their last value, description and labels, from
the project's history, in one write that is itself a new revision. A key
that exists is an error, and nothing is written.

On a project deleted with "delete --all" (without --purge), re-create it
with the owners it had and the given keys; you must be one of those owners,
or an admin.`,
		Example: `  kubectl projsecret undelete payments OLD_TOKEN

  # After delete payments --all
  kubectl projsecret history payments
  kubectl projsecret undelete payments DB_PASSWORD API_TOKEN`,
		Args:              argsBetween(2, -1),
		ValidArgsFunction: completeProjectKeys(newClient, true, -1),
		RunE:              runE(o),
	}
	o.restartAfter.addFlag(cmd)
	return cmd
}

// Complete takes the arguments.
func (o *undeleteOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.keys = args[0], args[1:]
	return nil
}

// Validate refuses a key given twice.
func (o *undeleteOptions) Validate(cmd *cobra.Command) error { return uniqueKeys(cmd, o.keys) }

// Run undeletes.
func (o *undeleteOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	changed, err := client.Undelete(ctx, o.project, o.keys...)
	if err != nil {
		return err
	}
	o.changed = changed
	for _, k := range o.keys {
		fmt.Fprintf(o.Out, "project %q, key %q: undeleted\n", o.project, projsecret.Printable(k))
	}
	return o.restartAfter.run(ctx, client, o.project, o.Out, o.ErrOut, false)
}
