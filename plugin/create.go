package plugin

import (
	"context"

	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// createOptions adds a new entry.
type createOptions struct {
	valueWrite
	metaFlags
}

func newCreateCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &createOptions{valueWrite: newValueWrite(streams, newClient)}
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
	o.valueWrite.addFlags(cmd)
	o.metaFlags.addFlags(cmd, "What the entry is for.", "A label KEY=VALUE for the entry; repeat for more.")
	o.expiry.addFlags(cmd, true, false)
	return cmd
}

// Complete takes the arguments and which flags were given.
func (o *createOptions) Complete(cmd *cobra.Command, args []string) error {
	o.complete(cmd, args)
	return nil
}

// Validate checks the flags before anything is read or sent.
func (o *createOptions) Validate(cmd *cobra.Command) error {
	if err := o.Value.validate(cmd); err != nil {
		return err
	}
	var err error
	if o.meta, err = o.metaChange(cmd); err != nil {
		return err
	}
	if err := o.expiry.validate(cmd); err != nil {
		return err
	}
	return o.parseOwners(cmd)
}

// Run reads the value and creates the entry; the key must be new.
func (o *createOptions) Run(ctx context.Context) error {
	return o.write(ctx, (*store.Client).Create, "created")
}
