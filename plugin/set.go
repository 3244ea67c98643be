package plugin

import (
	"context"
	"fmt"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// setOptions replaces an entry's value.
type setOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	Value  *valueSource
	Create bool
	Owners []string

	project, key string
	owners       projsecret.Owners
}

func newSetCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &setOptions{IOStreams: streams, NewClient: newClient, Value: newValueSource()}
	cmd := &cobra.Command{
		Use:   "set PROJECT KEY",
		Short: "Replace the value of an entry",
		Long: `Replace the value of an entry. Its description, labels and creation facts
stay; updatedAt and updatedBy record this change. It fails if the entry
does not exist, unless --create is given; a project that --create
creates is owned by you, or by the --owner subjects.

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
	addOwnerFlag(cmd, &o.Owners)
	return cmd
}

// Complete takes the arguments and which flags were given.
func (o *setOptions) Complete(cmd *cobra.Command, args []string) error {
	o.project, o.key = args[0], args[1]
	o.Value.complete(cmd)
	return nil
}

// Validate checks the flags before anything is read or sent.
func (o *setOptions) Validate(cmd *cobra.Command) error {
	if err := o.Value.validate(cmd); err != nil {
		return err
	}
	if len(o.Owners) > 0 && !o.Create {
		return usageErrorf(cmd, "--owner names the owners of a project that --create creates: expected it with --create (to change an existing project's owners, use owners)")
	}
	var err error
	o.owners, err = parseOwnerFlag(cmd, o.Owners)
	return err
}

// Run reads the value and replaces the entry's.
func (o *setOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	value, err := o.Value.read(o.In, o.ErrOut, o.project, o.key)
	if err != nil {
		return &projsecret.Error{Project: o.project, Key: o.key, Err: err}
	}
	// The key is checked before anything is sent, as the contract's own
	// writes do.
	if err := projsecret.ValidateKey(o.key); err != nil {
		return &projsecret.Error{Project: o.project, Key: o.key, Err: err}
	}
	var created bool
	err = client.Apply(ctx, o.project, projsecret.ApplyOptions{Owners: o.owners}, func(b *projsecret.Batch) error {
		if _, ok := b.Value(o.key); !ok && !o.Create {
			return &projsecret.Error{Project: o.project, Key: o.key, Err: fmt.Errorf("%w (use create, or set --create)", projsecret.ErrNotFound)}
		}
		created = b.IsNew()
		return b.Put(o.key, value, projsecret.MetaChange{})
	})
	if err != nil {
		return atKey(err, o.project, o.key)
	}
	fmt.Fprintf(o.Out, "project %q, key %q: value set\n", o.project, o.key)
	if created {
		return reportCreated(ctx, o.Out, client, o.project, o.owners)
	}
	return nil
}
