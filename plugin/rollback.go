package plugin

import (
	"context"
	"fmt"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// rollbackOptions restores keys as they were at a revision.
type rollbackOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc
	restartAfter

	ToRevision int

	project string
	keys    []string
}

func newRollbackCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &rollbackOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "rollback PROJECT KEY... --to-revision N",
		Short: "Restore entries' values and metadata as of a revision",
		Long: `Restore the values, descriptions and labels of the given keys as they
were right after revision N (see "history"), in one write that is itself a
new revision. If N is unknown, or a key did not exist at N, nothing is
written.`,
		Example: `  kubectl projsecret history payments DB_PASSWORD
  kubectl projsecret rollback payments DB_PASSWORD --to-revision 3

  # and restart the workloads that read it
  kubectl projsecret rollback payments DB_PASSWORD --to-revision 3 --restart`,
		Args:              argsBetween(2, -1),
		ValidArgsFunction: completeProjectKeys(newClient, true, -1),
		RunE:              runE(o),
	}
	o.restartAfter.addFlag(cmd)
	cmd.Flags().IntVar(&o.ToRevision, "to-revision", 0, "The revision to restore the keys to (required).")
	return cmd
}

// Complete takes the arguments.
func (o *rollbackOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.keys = args[0], args[1:]
	return nil
}

// Validate requires a revision and each key once.
func (o *rollbackOptions) Validate(cmd *cobra.Command) error {
	if o.ToRevision < 1 {
		return usageErrorf(cmd, "--to-revision is %d: expected the revision to restore, 1 or more (see history)", o.ToRevision)
	}
	return uniqueKeys(cmd, o.keys)
}

// Run rolls back.
func (o *rollbackOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	changed, err := client.Rollback(ctx, o.project, o.ToRevision, o.keys...)
	if err != nil {
		return err
	}
	o.changed = changed
	for _, k := range o.keys {
		fmt.Fprintf(o.Out, "project %q, key %q: rolled back to revision %d\n", o.project, projsecret.Printable(k), o.ToRevision)
	}
	return o.restartAfter.run(ctx, client, o.project, o.Out, o.ErrOut, false)
}

// uniqueKeys refuses a key given twice, more likely a slip than intent.
func uniqueKeys(cmd *cobra.Command, keys []string) error {
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			return usageErrorf(cmd, "key %s is given twice: expected each key once", projsecret.Quote(k))
		}
		seen[k] = true
	}
	return nil
}
