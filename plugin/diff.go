package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/projsecret/projsecret/internal/entryfile"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"
)

// diffOptions compares a project's values with another project's or a
// file's, without printing any value.
type diffOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	To          string
	ToNamespace string
	File        string
	Format      string
	All         bool
	Output      string

	project string
	format  entryfile.Format
}

// The changes diff reports, by the symbol its text output uses.
var changeSymbols = map[string]string{"added": "+", "removed": "-", "changed": "~", "equal": "="}

// keyChange is one line of diff's answer; -o json prints a list of them.
type keyChange struct {
	Key    string `json:"key"`
	Change string `json:"change"`
}

func newDiffCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &diffOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "diff PROJECT (--to OTHER [--to-namespace NS] | -f FILE [--format env|json|yaml])",
		Short: "Compare a project's values with another project's or a file's, printing no value",
		Long: `Compare the values of a project with those of another project (in this
namespace or --to-namespace) or of a file, without printing any value: one
line per key that differs, sorted by key:

  + KEY   only in the second (OTHER or FILE)
  - KEY   only in PROJECT
  ~ KEY   in both, with different values
  = KEY   in both, equal (only with --all)

-o json or -o yaml prints the same as a list of {key, change}, change being
added, removed, changed or equal. A file is env (KEY=VALUE lines), json or
yaml (one object of string values); --format overrides the file's extension.

Exit status, as diff(1) and kubectl diff: 0 when the values are equal, 1 when
they differ, greater than 1 on an error.`,
		Example: `  # Is staging what dev is?
  kubectl projsecret diff payments-dev --to payments-staging

  # Against prod, in another namespace, as JSON
  kubectl projsecret diff payments --to payments --to-namespace prod -o json

  # Against a local .env file, in a script
  kubectl projsecret diff payments -f .env || echo "payments differs from .env"`,
		Args:              argsBetween(1, 1),
		ValidArgsFunction: completeProjectKeys(newClient, false, 1),
		Annotations:       map[string]string{errorExitCodeAnnotation: "2"},
		RunE:              runE(o),
	}
	cmd.Flags().StringVar(&o.To, "to", "", "The project to compare with.")
	cmd.Flags().StringVar(&o.ToNamespace, "to-namespace", "", "The namespace of --to; the default is PROJECT's.")
	cmd.Flags().StringVarP(&o.File, "filename", "f", "", "The file to compare with.")
	cmd.Flags().StringVar(&o.Format, "format", "", "The format of -f: env, json or yaml; the default follows the file's extension.")
	cmd.Flags().BoolVar(&o.All, "all", false, "List equal keys too, as = KEY.")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml. The default is one line per key.")
	_ = cmd.MarkFlagFilename("filename", "env", "json", "yaml", "yml")
	return cmd
}

// Complete takes the argument and, for -f, the file's format.
func (o *diffOptions) Complete(_ *cobra.Command, args []string) error {
	o.project = args[0]
	return nil
}

// Validate checks that exactly one side to compare with is given.
func (o *diffOptions) Validate(cmd *cobra.Command) error {
	switch {
	case (o.To == "") == (o.File == ""):
		return usageErrorf(cmd, "expected exactly one of --to OTHER or -f FILE to compare with")
	case o.ToNamespace != "" && o.To == "":
		return usageErrorf(cmd, "--to-namespace needs --to")
	case o.Format != "" && o.File == "":
		return usageErrorf(cmd, "--format applies to -f only")
	case o.Output != "" && o.Output != "json" && o.Output != "yaml":
		return usageErrorf(cmd, "-o %q is not a known format: expected json or yaml", o.Output)
	}
	if o.File != "" {
		f, err := entryfile.FormatFor(o.File, o.Format)
		if err != nil {
			return usageErrorf(cmd, "--format: %v", err)
		}
		o.format = f
	}
	return nil
}

// Run reads both sides, compares and prints; differing values end in exit
// status 1.
func (o *diffOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	first, err := client.Snapshot(ctx, o.project)
	if err != nil {
		return err
	}
	var second map[string][]byte
	if o.File != "" {
		if second, err = entryfile.Read(o.File, o.format, o.In); err != nil {
			return err
		}
	} else {
		other := client
		if o.ToNamespace != "" {
			other = client.InNamespace(o.ToNamespace)
		}
		snap, err := other.Snapshot(ctx, o.To)
		if err != nil {
			return err
		}
		second = snap.Values
	}
	changes := diffValues(first.Values, second)
	differ := slices.ContainsFunc(changes, func(c keyChange) bool { return c.Change != "equal" })
	if !o.All {
		changes = slices.DeleteFunc(changes, func(c keyChange) bool { return c.Change == "equal" })
	}
	if err := o.print(changes); err != nil {
		return err
	}
	if differ {
		return &exitError{code: 1}
	}
	return nil
}

func (o *diffOptions) print(changes []keyChange) error {
	if o.Output == "" {
		for _, c := range changes {
			fmt.Fprintf(o.Out, "%s %s\n", changeSymbols[c.Change], c.Key)
		}
		return nil
	}
	if changes == nil {
		changes = []keyChange{}
	}
	out, err := json.MarshalIndent(changes, "", "    ")
	if err == nil && o.Output == "yaml" {
		out, err = yaml.JSONToYAML(out)
	} else if err == nil {
		out = append(out, '\n')
	}
	if err != nil {
		return fmt.Errorf("printing the differences: %w", err)
	}
	_, err = o.Out.Write(out)
	return err
}

// diffValues compares two sets of values key by key, sorted by key. The
// values are only compared, never copied into the result.
func diffValues(first, second map[string][]byte) []keyChange {
	keys := slices.Sorted(maps.Keys(first))
	for k := range second {
		if _, ok := first[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	changes := make([]keyChange, 0, len(keys))
	for _, k := range keys {
		a, inFirst := first[k]
		b, inSecond := second[k]
		change := "equal"
		switch {
		case !inFirst:
			change = "added"
		case !inSecond:
			change = "removed"
		case !bytes.Equal(a, b):
			change = "changed"
		}
		changes = append(changes, keyChange{Key: k, Change: change})
	}
	return changes
}
