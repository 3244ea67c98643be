package plugin

import (
	"context"
	"fmt"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// OwnersOptions shows or replaces a project's owners list.
type OwnersOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc
	Clear     bool

	project  string
	subjects []string
	owners   projsecret.Owners
}

func newOwnersCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &OwnersOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "owners PROJECT [SUBJECT...]",
		Short: "Show or set who may change a project",
		Long: `Show a project's owners, one per line, or replace them with the given
subjects (user:NAME or group:NAME). When a project has owners, the
admission webhook lets only them (and cluster admins) change it, and you
must be one of the owners you set. --clear removes the list.`,
		Example: `  kubectl projsecret owners payments
  kubectl projsecret owners payments user:alice group:payments-team
  kubectl projsecret owners payments --clear`,
		Args:              argsBetween(1, -1),
		ValidArgsFunction: completeProjectKeys(newClient, false, 1),
		RunE:              runE(o),
	}
	cmd.Flags().BoolVar(&o.Clear, "clear", false, "Remove the owners list.")
	return cmd
}

// Complete takes the arguments.
func (o *OwnersOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.subjects = args[0], args[1:]
	return nil
}

// Validate parses the subjects with the contract's owners syntax.
func (o *OwnersOptions) Validate(cmd *cobra.Command) error {
	if o.Clear && len(o.subjects) > 0 {
		return usageErrorf(cmd, "--clear and subjects both given: expected --clear alone, or the new owners")
	}
	if len(o.subjects) == 0 {
		return nil
	}
	owners, err := projsecret.ParseOwners(strings.Join(o.subjects, ","))
	if err != nil {
		return usageErrorf(cmd, "%v", err)
	}
	o.owners = owners
	return nil
}

// Run shows or changes the owners.
func (o *OwnersOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	switch {
	case o.Clear:
		if err := client.SetOwners(ctx, o.project, nil); err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "project %q: owners removed\n", o.project)
	case len(o.owners) > 0:
		if err := client.SetOwners(ctx, o.project, o.owners); err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "project %q: owners set to %s\n", o.project, o.owners)
	default:
		return o.show(ctx, client)
	}
	return nil
}

func (o *OwnersOptions) show(ctx context.Context, client *projsecret.Client) error {
	projects, err := client.Projects(ctx, false)
	if err != nil {
		return &projsecret.Error{Project: o.project, Err: err}
	}
	for _, p := range projects {
		if p.Name != o.project {
			continue
		}
		owners, err := projsecret.ParseOwners(p.Owners)
		if err != nil {
			return &projsecret.Error{Project: o.project, Err: err}
		}
		if len(owners) == 0 {
			fmt.Fprintf(o.ErrOut, "project %q has no owners: whoever RBAC lets write its Secret may change it\n", o.project)
		}
		for _, s := range owners {
			fmt.Fprintln(o.Out, s)
		}
		return nil
	}
	return &projsecret.Error{Project: o.project, Err: fmt.Errorf("%w in namespace %q", projsecret.ErrNotFound, client.Namespace())}
}
