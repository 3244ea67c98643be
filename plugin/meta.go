package plugin

import (
	"context"
	"fmt"

	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// metaOptions changes an entry's description and labels, never its value.
type metaOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc
	metaFlags
	expiry expiryFlags

	project, key string
	change       store.MetaChange
}

func newMetaCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &metaOptions{IOStreams: streams, NewClient: newClient, metaFlags: metaFlags{allowRemove: true}}
	cmd := &cobra.Command{
		Use:   "meta PROJECT KEY",
		Short: "Change the description or labels of an entry",
		Long: `Change the description or labels of an entry; its value stays as it is.
updatedAt and updatedBy record the change.`,
		Example: `  # Describe an entry and label it
  kubectl projsecret meta payments DB_PASSWORD --description "primary database" --label env=prod

  # Remove a label, clear the description
  kubectl projsecret meta payments DB_PASSWORD --label env- --description ""`,
		Args:              argsBetween(2, 2),
		ValidArgsFunction: completeProjectKeys(newClient, true, 2),
		RunE:              runE(o),
	}
	o.addFlags(cmd, `The new description ("" clears it).`, "KEY=VALUE adds or changes a label, KEY- removes it; repeat for more.")
	o.expiry.addFlags(cmd, true, true)
	return cmd
}

// Complete takes the arguments.
func (o *metaOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.key = args[0], args[1]
	return nil
}

// Validate checks that there is a change and that it is well formed.
func (o *metaOptions) Validate(cmd *cobra.Command) error {
	if err := o.expiry.validate(cmd); err != nil {
		return err
	}
	if !o.given(cmd) && !o.expiry.hasAny {
		return usageErrorf(cmd, "nothing to change: expected --description, --label, --expires-at, --expires-in or --rotate-every")
	}
	var err error
	o.change, err = o.metaChange(cmd)
	return err
}

// Run applies the change.
func (o *metaOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	o.expiry.apply(&o.change, client.Now())
	if err := client.UpdateMeta(ctx, o.project, o.key, o.change); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "project %q, key %q: metadata updated\n", o.project, o.key)
	return nil
}
