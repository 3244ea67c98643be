package plugin

import (
	"context"
	"errors"
	"fmt"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// setOptions replaces an entry's value.
type setOptions struct {
	valueWrite
	Create bool
}

func newSetCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &setOptions{valueWrite: newValueWrite(streams, newClient)}
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

  # Rotate it and restart the workloads that read it
  kubectl projsecret set payments DB_PASSWORD --restart

  # Create or replace, from a file
  kubectl projsecret set payments TLS_KEY --from-file=tls.key --create`,
		Args:              argsBetween(2, 2),
		ValidArgsFunction: completeProjectKeys(newClient, true, 2),
		RunE:              runE(o),
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&o.Create, "create", false, "Create the entry if it does not exist.")
	o.restartAfter.addFlag(cmd)
	o.expiry.addFlags(cmd, false, false)
	return cmd
}

// Complete takes the arguments and which flags were given.
func (o *setOptions) Complete(cmd *cobra.Command, args []string) error {
	o.complete(cmd, args)
	return nil
}

// Validate checks the flags before anything is read or sent.
func (o *setOptions) Validate(cmd *cobra.Command) error {
	if err := o.Value.validate(cmd); err != nil {
		return err
	}
	if err := o.expiry.validate(cmd); err != nil {
		return err
	}
	if len(o.Owners) > 0 && !o.Create {
		return usageErrorf(cmd, "--owner names the owners of a project that --create creates: expected it with --create (to change an existing project's owners, use owners)")
	}
	return o.parseOwners(cmd)
}

// Run reads the value and replaces the entry's; the entry must exist
// unless --create. An existing entry keeps its metadata.
func (o *setOptions) Run(ctx context.Context) error {
	return o.write(ctx, func(c *store.Client, ctx context.Context, project, key string, value []byte, opts store.PutOptions) (store.PutResult, error) {
		opts.CreateMissing = o.Create
		res, err := c.Set(ctx, project, key, value, opts)
		return res, createHint(err, key)
	}, "value set")
}

// createHint names the ways to create an entry that set did not find: the
// client's bare ErrNotFound on the key, which names no flags.
func createHint(err error, key string) error {
	var e *projsecret.Error
	if errors.As(err, &e) && e.Key == key && e.Err == projsecret.ErrNotFound {
		return &projsecret.Error{Project: e.Project, Key: e.Key, Err: fmt.Errorf("%w (use create, or set --create)", e.Err)}
	}
	return err
}
