package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// adoptOptions takes an unlabeled proj-secrets-PROJECT under management.
type adoptOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	OwnerArgs []string
	DryRun    bool

	project string
	owners  projsecret.Owners
}

func newAdoptCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &adoptOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "adopt PROJECT",
		Short: "Take an existing proj-secrets-PROJECT (as DigitalHub Core creates it) under management",
		Long: `Take an existing Secret proj-secrets-PROJECT that has no project label, as
DigitalHub Core creates them (a name and values, nothing else), under
management in one update: it gets the project labels, an entry for every key
(created by you, with no description) and owners (you, unless --owner is
given). Values are not touched.

A Secret that is already a project Secret, is not of type Opaque, or has keys
that break the key rule is refused with every reason, and nothing is written.`,
		Example: `  kubectl projsecret adopt analytics
  kubectl projsecret adopt analytics --owner user:alice --owner group:data-team
  kubectl projsecret adopt analytics --dry-run`,
		Args:              argsBetween(1, 1),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE:              runE(o),
	}
	cmd.Flags().StringArrayVar(&o.OwnerArgs, "owner", nil, "An owner of the adopted project, user:NAME or group:NAME; repeat for more. The default is you.")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "Send the update as a server-side dry run: the API server and the webhook judge it, nothing is stored.")
	return cmd
}

// Complete takes the argument.
func (o *adoptOptions) Complete(_ *cobra.Command, args []string) error {
	o.project = args[0]
	return nil
}

// Validate checks the project name and parses the owners.
func (o *adoptOptions) Validate(cmd *cobra.Command) error {
	if err := projsecret.ValidateProjectName(o.project); err != nil {
		return usageErrorf(cmd, "%v", err)
	}
	if len(o.OwnerArgs) == 0 {
		return nil
	}
	owners, err := projsecret.ParseOwners(strings.Join(o.OwnerArgs, ","))
	if err != nil {
		return flagError(cmd, "--owner", err)
	}
	o.owners = owners
	return nil
}

// Run adopts the Secret.
func (o *adoptOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	keys, err := client.Adopt(ctx, o.project, store.AdoptOptions{Owners: o.owners, DryRun: o.DryRun})
	if err != nil {
		return err
	}
	suffix := ""
	if o.DryRun {
		suffix = " (server dry run, nothing stored)"
	}
	entries := "entries"
	if len(keys) == 1 {
		entries = "entry"
	}
	fmt.Fprintf(o.Out, "project %q: adopted with %d %s%s\n", o.project, len(keys), entries, suffix)
	return nil
}

// adoptHint names the way out when a command meets a proj-secrets-P that
// is not managed: adopting it, which only the plugin's user can decide.
func adoptHint(err error) error {
	var pe *projsecret.Error
	if !errors.Is(err, projsecret.ErrNotProjectSecret) || !errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%w (not managed by projsecret: run kubectl projsecret adopt %s to take it under management)", err, pe.Project)
}
