package plugin

import (
	"context"
	"fmt"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// createOptions adds a new entry.
type createOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	Value       *valueSource
	Description string
	Labels      []string
	Owners      []string

	project, key string
	meta         projsecret.MetaChange
	owners       projsecret.Owners
}

func newCreateCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &createOptions{IOStreams: streams, NewClient: newClient, Value: newValueSource()}
	cmd := &cobra.Command{
		Use:   "create PROJECT KEY",
		Short: "Create an entry in a project, and the project on first use",
		Long: `Create an entry in a project. It fails if the key exists (use "set" to
replace a value). The project's Secret is created with its first entry,
owned by you (or by the --owner subjects): once it has owners, only they
and the webhook's admins may change it.

` + valueHelp,
		Example: `  # Prompt for the value without echoing it
  kubectl projsecret create payments DB_PASSWORD --description "primary database" --label env=prod

  # From a file or a pipe
  kubectl projsecret create payments TLS_KEY --from-file=tls.key
  vault read -field=token secret/ci | kubectl projsecret create payments CI_TOKEN --stdin

  # A new project owned by you and your team
  kubectl projsecret create payments DB_PASSWORD --owner user:alice --owner group:payments-team`,
		Args:              argsBetween(2, 2),
		ValidArgsFunction: completeProjectKeys(newClient, false, 1),
		RunE:              runE(o),
	}
	o.Value.addFlags(cmd)
	cmd.Flags().StringVar(&o.Description, "description", "", "What the entry is for.")
	cmd.Flags().StringArrayVar(&o.Labels, "label", nil, "A label KEY=VALUE for the entry; repeat for more.")
	addOwnerFlag(cmd, &o.Owners)
	return cmd
}

// Complete takes the arguments and which flags were given.
func (o *createOptions) Complete(cmd *cobra.Command, args []string) error {
	o.project, o.key = args[0], args[1]
	o.Value.complete(cmd)
	if cmd.Flags().Changed("description") {
		o.meta.Description = &o.Description
	}
	return nil
}

// Validate checks the flags before anything is read or sent.
func (o *createOptions) Validate(cmd *cobra.Command) error {
	if err := o.Value.validate(cmd); err != nil {
		return err
	}
	if o.meta.Description != nil {
		if err := projsecret.ValidateDescription(*o.meta.Description); err != nil {
			return usageErrorf(cmd, "--description: %v", err)
		}
	}
	set, _, err := parseLabels(cmd, o.Labels, false)
	if err != nil {
		return err
	}
	o.meta.SetLabels = set
	o.owners, err = parseOwnerFlag(cmd, o.Owners)
	return err
}

// Run reads the value and creates the entry.
func (o *createOptions) Run(ctx context.Context) error {
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
		if _, ok := b.Value(o.key); ok {
			return &projsecret.Error{Project: o.project, Key: o.key, Err: projsecret.ErrExists}
		}
		created = b.IsNew()
		return b.Put(o.key, value, o.meta)
	})
	if err != nil {
		return atKey(err, o.project, o.key)
	}
	fmt.Fprintf(o.Out, "project %q, key %q: created\n", o.project, o.key)
	if created {
		return reportCreated(ctx, o.Out, client, o.project, o.owners)
	}
	return nil
}
