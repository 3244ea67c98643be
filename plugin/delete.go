package plugin

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// deleteOptions removes entries, or with --all the whole project.
type deleteOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	All   bool
	Yes   bool
	Purge bool

	project string
	keys    []string
}

func newDeleteCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &deleteOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "delete PROJECT (KEY... | --all)",
		Short: "Delete entries, or a whole project",
		Long: `Delete one or more entries of a project in one write: if any key does not
exist, nothing is deleted. The project's Secret stays, with its labels and
owners, when its last entry goes.

With --all, delete the project's Secret itself: every entry, its metadata and
owners. On a terminal you are asked to confirm by typing the project name;
otherwise --yes is required. The delete applies only to the Secret as it was
read: if it changes before the delete, nothing is deleted.

Every delete is recorded in the project's history, the whole project first
with --all, so "undelete" brings it back. --all --purge also deletes the
history: there is then no way back.`,
		Example: `  kubectl projsecret delete payments OLD_TOKEN LEGACY_PASSWORD

  # The whole project, without a prompt
  kubectl projsecret delete payments --all --yes

  # The project and its history, for good
  kubectl projsecret delete payments --all --purge`,
		Args:              argsBetween(1, -1),
		ValidArgsFunction: completeProjectKeys(newClient, true, -1),
		RunE:              runE(o),
	}
	cmd.Flags().BoolVar(&o.All, "all", false, "Delete the whole project: its Secret, every entry, its metadata and owners.")
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "With --all, delete without asking for confirmation.")
	cmd.Flags().BoolVar(&o.Purge, "purge", false, "With --all, also delete the project's history, so it cannot be undeleted.")
	return cmd
}

// Complete takes the arguments.
func (o *deleteOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.keys = args[0], args[1:]
	return nil
}

// Validate rejects a key given twice, which is more likely a slip than
// intent, and keys together with --all.
func (o *deleteOptions) Validate(cmd *cobra.Command) error {
	switch {
	case o.All && len(o.keys) > 0:
		return usageErrorf(cmd, "--all and keys both given: expected keys, or --all to delete the whole project")
	case !o.All && len(o.keys) == 0:
		return usageErrorf(cmd, "no keys given: expected the keys to delete, or --all to delete the whole project")
	case o.Yes && !o.All:
		return usageErrorf(cmd, "--yes applies only to --all: deleting entries asks for no confirmation")
	case o.Purge && !o.All:
		return usageErrorf(cmd, "--purge applies only to --all: deleted entries stay in the history until it is pruned")
	}
	seen := map[string]bool{}
	for _, k := range o.keys {
		if seen[k] {
			return usageErrorf(cmd, "key %s is given twice: expected each key once", projsecret.Quote(k))
		}
		seen[k] = true
	}
	return nil
}

// Run deletes the entries, or the project.
func (o *deleteOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	if o.All {
		deleteProject := client.DeleteProject
		if o.Purge {
			deleteProject = client.PurgeProject
		}
		n, err := deleteProject(ctx, o.project, func(entries int) error {
			return o.confirm(client.Namespace(), entries)
		})
		if err != nil {
			return err
		}
		if o.Purge {
			fmt.Fprintf(o.Out, "project %q: deleted with its %d entries and its history\n", o.project, n)
			return nil
		}
		fmt.Fprintf(o.Out, "project %q: deleted with its %d entries\n", o.project, n)
		return nil
	}
	if err := client.Delete(ctx, o.project, o.keys...); err != nil {
		return err
	}
	for _, k := range o.keys {
		fmt.Fprintf(o.Out, "project %q, key %q: deleted\n", o.project, k)
	}
	return nil
}

// confirm asks on a terminal for the project name to be typed, as a guard
// against deleting the wrong project from shell history; without a
// terminal only --yes confirms, so a script never deletes by accident.
func (o *deleteOptions) confirm(namespace string, entries int) error {
	if o.Yes {
		return nil
	}
	if _, ok := asTerminal(o.In); !ok {
		return fmt.Errorf("deleting the whole project needs confirmation: standard input is not a terminal, pass --yes")
	}
	fmt.Fprintf(o.ErrOut, "Delete project %q in namespace %q with its %d entries? Type the project name to confirm: ", o.project, namespace, entries)
	line, err := bufio.NewReader(o.In).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("reading the confirmation: %w", err)
	}
	if strings.TrimSpace(line) != o.project {
		return fmt.Errorf("not confirmed (expected the project name), nothing deleted")
	}
	return nil
}
