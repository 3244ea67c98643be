package plugin

import (
	"context"
	"fmt"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// SetOptions replaces an entry's value.
type SetOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	Value  *valueSource
	Create bool

	project, key string
}

func newSetCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &SetOptions{IOStreams: streams, NewClient: newClient, Value: newValueSource()}
	cmd := &cobra.Command{
		Use:   "set PROJECT KEY",
		Short: "Replace the value of an entry",
		Long: `Replace the value of an entry. Its description, labels and creation facts
stay; updatedAt and updatedBy record this change. It fails if the entry
does not exist, unless --create is given.

` + valueHelp,
		Example: `  # Rotate a password, prompting for the new value
  kubectl projsecret set payments DB_PASSWORD

  # Create or replace, from a file
  kubectl projsecret set payments TLS_KEY --from-file=tls.key --create`,
		Args:              argsBetween(2, 2),
		ValidArgsFunction: completeProjectKeys(newClient, true, 2),
		RunE:              runE(o),
	}
	o.Value.addFlags(cmd)
	cmd.Flags().BoolVar(&o.Create, "create", false, "Create the entry if it does not exist.")
	return cmd
}

// Complete takes the arguments and which flags were given.
func (o *SetOptions) Complete(cmd *cobra.Command, args []string) error {
	o.project, o.key = args[0], args[1]
	o.Value.complete(cmd)
	return nil
}

// Validate checks the flags before anything is read or sent.
func (o *SetOptions) Validate(cmd *cobra.Command) error {
	return o.Value.validate(cmd)
}

// Run reads the value and replaces the entry's.
func (o *SetOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	value, err := o.Value.read(o.In, o.ErrOut, o.project, o.key)
	if err != nil {
		return &projsecret.Error{Project: o.project, Key: o.key, Err: err}
	}
	if err := client.Set(ctx, o.project, o.key, value, o.Create); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "project %q, key %q: value set\n", o.project, o.key)
	return nil
}
