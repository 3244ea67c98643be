package plugin

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// ownersOptions shows or replaces a project's owners list.
type ownersOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc
	Clear     bool

	project  string
	subjects []string
	owners   projsecret.Owners
}

func newOwnersCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &ownersOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "owners PROJECT [SUBJECT...]",
		Short: "Show or set who may change a project",
		Long: `Show a project's owners, one per line, or replace them with the given
subjects (user:NAME or group:NAME). When a project has owners, the
admission webhook lets only them (and cluster admins) change it, and you
must be one of the owners you set. A project starts owned by whoever
created it; only an admin may give owners to a project that has none.
--clear removes the list.`,
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
func (o *ownersOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.subjects = args[0], args[1:]
	return nil
}

// Validate parses the subjects with the contract's owners syntax.
func (o *ownersOptions) Validate(cmd *cobra.Command) error {
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
func (o *ownersOptions) Run(ctx context.Context) error {
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
		fmt.Fprintf(o.Out, "project %q: owners set to %s\n", o.project, projsecret.Printable(o.owners.String()))
	default:
		return o.show(ctx, client)
	}
	return nil
}

// show prints the owners of proj-secrets-PROJECT, read in one GET.
func (o *ownersOptions) show(ctx context.Context, client *store.Client) error {
	owners, err := client.Owners(ctx, o.project)
	if err != nil {
		return err
	}
	if len(owners) == 0 {
		fmt.Fprintf(o.ErrOut, "project %q has no owners: whoever RBAC lets write its Secret may change it, and only an admin may give it owners or delete it\n", o.project)
	}
	for _, s := range owners {
		fmt.Fprintln(o.Out, projsecret.Printable(s.String()))
	}
	return nil
}

// addOwnerFlag registers --owner on the commands that may create a project.
func addOwnerFlag(cmd *cobra.Command, owners *[]string) {
	cmd.Flags().StringArrayVar(owners, "owner", nil, "An owner (user:NAME or group:NAME) of the project if this command creates it; repeat for more. The default is you.")
}

// parseOwnerFlag reads --owner with the contract's owners syntax.
func parseOwnerFlag(cmd *cobra.Command, subjects []string) (projsecret.Owners, error) {
	var owners projsecret.Owners
	for _, s := range subjects {
		parsed, err := projsecret.ParseOwners(s)
		if err != nil || len(parsed) != 1 {
			return nil, usageErrorf(cmd, "--owner %s is invalid: expected one user:NAME or group:NAME", projsecret.Quote(s))
		}
		owners = append(owners, parsed[0])
	}
	return owners, nil
}

// reportCreated says who owns a project the command has just created (as
// the write stored them) and how to add a team: from now on nobody else
// may change it.
func reportCreated(w io.Writer, project string, owners projsecret.Owners) {
	subjects := make([]string, len(owners))
	for i, s := range owners {
		subjects[i] = projsecret.Printable(s.String())
	}
	fmt.Fprintf(w, "project %q: created, owned by %s; to add a team: kubectl projsecret owners %s %s group:TEAM\n",
		project, strings.Join(subjects, ","), project, strings.Join(subjects, " "))
}
