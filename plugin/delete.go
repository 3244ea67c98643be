package plugin

import (
	"context"
	"fmt"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// DeleteOptions removes entries.
type DeleteOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	project string
	keys    []string
}

func newDeleteCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &DeleteOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "delete PROJECT KEY...",
		Short: "Delete entries",
		Long: `Delete one or more entries of a project in one write: if any key does not
exist, nothing is deleted. The project's Secret stays, with its labels and
owners, when its last entry goes.`,
		Example:           `  kubectl projsecret delete payments OLD_TOKEN LEGACY_PASSWORD`,
		Args:              argsBetween(2, -1),
		ValidArgsFunction: completeProjectKeys(newClient, true, -1),
		RunE:              runE(o),
	}
	return cmd
}

// Complete takes the arguments.
func (o *DeleteOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.keys = args[0], args[1:]
	return nil
}

// Validate rejects a key given twice, which is more likely a slip than intent.
func (o *DeleteOptions) Validate(cmd *cobra.Command) error {
	seen := map[string]bool{}
	for _, k := range o.keys {
		if seen[k] {
			return usageErrorf(cmd, "key %s is given twice: expected each key once", projsecret.Quote(k))
		}
		seen[k] = true
	}
	return nil
}

// Run deletes the entries.
func (o *DeleteOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	if err := client.Delete(ctx, o.project, o.keys...); err != nil {
		return err
	}
	for _, k := range o.keys {
		fmt.Fprintf(o.Out, "project %q, key %q: deleted\n", o.project, k)
	}
	return nil
}
