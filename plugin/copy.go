package plugin

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// copyOptions copies entries, values and metadata, from one project to
// another, in this namespace or another.
type copyOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	To          string
	ToNamespace string
	Overwrite   bool
	All         bool
	restartAfter

	src  string
	keys []string
}

func newCopyCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &copyOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "copy SRC_PROJECT (KEY... | --all) --to DST_PROJECT",
		Short: "Copy entries, with their descriptions and labels, to another project",
		Long: `Copy entries from one project to another, values with their descriptions
and labels, in one write to the destination: all of them land, or none. The
destination project is created if it does not exist. Keys that exist in the
destination are an error unless --overwrite is given. The copies record you as
their author. --to-namespace copies into another namespace with the same
credentials. Values are never printed.`,
		Example: `  # Promote two entries from dev to staging
  kubectl projsecret copy payments-dev DB_PASSWORD API_TOKEN --to payments-staging

  # Everything, into another namespace, replacing what is there
  kubectl projsecret copy payments --all --to payments --to-namespace prod --overwrite`,
		Args:              argsBetween(1, -1),
		ValidArgsFunction: completeProjectKeys(newClient, true, -1),
		RunE:              runE(o),
	}
	cmd.Flags().StringVar(&o.To, "to", "", "The destination project (required).")
	cmd.Flags().StringVar(&o.ToNamespace, "to-namespace", "", "The destination namespace; the default is the source's.")
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", false, "Replace entries that exist in the destination.")
	cmd.Flags().BoolVar(&o.All, "all", false, "Copy every entry of the source.")
	o.restartAfter.addFlag(cmd)
	return cmd
}

// Complete takes the arguments.
func (o *copyOptions) Complete(_ *cobra.Command, args []string) error {
	o.src, o.keys = args[0], args[1:]
	return nil
}

// Validate checks the flags before anything is read.
func (o *copyOptions) Validate(cmd *cobra.Command) error {
	switch {
	case o.To == "":
		return usageErrorf(cmd, "--to is required: expected the destination project")
	case o.All && len(o.keys) > 0:
		return usageErrorf(cmd, "--all and keys both given: expected keys, or --all to copy every entry")
	case !o.All && len(o.keys) == 0:
		return usageErrorf(cmd, "no keys given: expected the keys to copy, or --all")
	}
	if err := projsecret.ValidateProjectName(o.To); err != nil {
		return flagError(cmd, "--to", err)
	}
	seen := map[string]bool{}
	for _, k := range o.keys {
		if seen[k] {
			return usageErrorf(cmd, "key %q is given twice: expected each key once", k)
		}
		seen[k] = true
	}
	return nil
}

// Run reads the source once and writes the destination once.
func (o *copyOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	dst := client
	if o.ToNamespace != "" && o.ToNamespace != client.Namespace() {
		dst = client.InNamespace(o.ToNamespace)
	}
	if o.src == o.To && dst.Namespace() == client.Namespace() {
		return &projsecret.Error{Project: o.src, Err: fmt.Errorf("source and destination are the same project in namespace %q: expected another project (--to) or namespace (--to-namespace)", client.Namespace())}
	}
	src, err := client.Snapshot(ctx, o.src)
	if err != nil {
		return err
	}
	keys := o.keys
	if o.All {
		keys = slices.Sorted(maps.Keys(src.Values))
		if len(keys) == 0 {
			return &projsecret.Error{Project: o.src, Err: fmt.Errorf("has no entries to copy")}
		}
	}
	for _, k := range keys {
		if _, ok := src.Values[k]; !ok {
			return &projsecret.Error{Project: o.src, Key: k, Err: fmt.Errorf("%w in namespace %q", projsecret.ErrNotFound, client.Namespace())}
		}
	}
	err = dst.Apply(ctx, o.To, store.ApplyOptions{}, o.track(func(b *store.Batch) error {
		if !o.Overwrite {
			var taken []string
			for _, k := range keys {
				if _, ok := b.Value(k); ok {
					taken = append(taken, k)
				}
			}
			if len(taken) > 0 {
				return fmt.Errorf("key(s) %s exist in the destination: expected --overwrite to replace them, nothing copied", strings.Join(taken, ", "))
			}
		}
		for _, k := range keys {
			if err := b.Put(k, src.Values[k], copiedMeta(b, k, src.Entries[k])); err != nil {
				return err
			}
		}
		return nil
	}))
	if err != nil {
		return err
	}
	where := fmt.Sprintf("project %q", o.To)
	if dst != client {
		where += fmt.Sprintf(" in namespace %q", dst.Namespace())
	}
	fmt.Fprintf(o.Out, "%s: copied %s from project %q\n", where, strings.Join(keys, ", "), o.src)
	// Readers of the destination, in its namespace.
	return o.restartAfter.run(ctx, dst, o.To, o.Out, o.ErrOut, false)
}

// copiedMeta makes the destination entry's description and labels those
// of the source, replacing whatever an overwritten entry had.
func copiedMeta(b *store.Batch, key string, src projsecret.EntryMeta) store.MetaChange {
	desc := src.Description
	change := store.MetaChange{Description: &desc, SetLabels: src.Labels}
	if cur, ok := b.Meta(key); ok {
		for l := range cur.Labels {
			if _, keep := src.Labels[l]; !keep {
				change.RemoveLabels = append(change.RemoveLabels, l)
			}
		}
	}
	return change
}
