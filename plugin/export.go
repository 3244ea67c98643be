package plugin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/entryfile"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// exportOptions prints values in a form import reads back.
type exportOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	Output string

	project string
	keys    []string
	format  entryfile.Format
}

func newExportCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &exportOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "export PROJECT [KEY...]",
		Short: "Print values as .env, JSON or YAML, for import or for tools",
		Long: `Print a project's values (all of them, or the keys given) on standard
output, sorted by key, in a form that "import" reads back byte for byte.
Like "read", this prints values: mind where the output goes.

A value that is not valid UTF-8 cannot be written in any of these formats,
nor a value with a NUL byte as env: the command then fails, naming the key,
and prints nothing (use "read", or json or yaml).

Env output single-quotes any value that is not plain, as sh does, so a
shell (sh, bash, zsh) may source it: it runs nothing from a value and sets
each variable to its value byte for byte ("set -a" first to export them).
Keys that are not shell variable names (db-password, 9LIVES) cannot be
written as env, since a shell would print their values in an error: the
command fails naming them (use json or yaml, or name the other keys).

Sourcing sets whatever the project holds: a key such as PATH, PS1,
PROMPT_COMMAND, BASH_ENV or LD_PRELOAD changes what your shell and the
commands it starts load or run. Env output warns on standard error naming
such keys (the names "run" warns about), never their values.`,
		Example: `  # Back up, then restore into another project
  kubectl projsecret export payments > payments.env
  kubectl projsecret import payments-staging -f payments.env

  # Two keys as JSON
  kubectl projsecret export payments DB_USER DB_PASSWORD -o json`,
		Args:              argsBetween(1, -1),
		ValidArgsFunction: completeProjectKeys(newClient, true, -1),
		RunE:              runE(o),
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "env", "Output format: env, json or yaml.")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"env", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Complete takes the arguments.
func (o *exportOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.keys = args[0], args[1:]
	return nil
}

// Validate checks the output format.
func (o *exportOptions) Validate(cmd *cobra.Command) error {
	f, err := entryfile.ParseFormat(o.Output)
	if err != nil {
		return usageErrorf(cmd, "-o: %v", err)
	}
	o.format = f
	return nil
}

// Run reads the values in one GET and prints them, or nothing on error.
func (o *exportOptions) Run(ctx context.Context) error {
	values, err := readValues(ctx, o.NewClient, o.project, o.keys)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if !utf8.Valid(values[k]) {
			return &projsecret.Error{Project: o.project, Key: k, Err: fmt.Errorf("the value is not valid UTF-8 and cannot be exported as %s: use \"read\" for it (export the other keys by name)", o.format)}
		}
	}
	if err := entryfile.Write(o.Out, values, o.format); err != nil {
		var fe *entryfile.Error
		if errors.As(err, &fe) {
			return &projsecret.Error{Project: o.project, Err: err}
		}
		return fmt.Errorf("project %q: writing to standard output: %w", o.project, err)
	}
	if o.format == entryfile.Env {
		// Env output is made to be sourced, which sets these in the
		// user's own shell: names only, never values.
		if risky, _ := riskyNames(values, nil, false, runtime.GOOS); len(risky) > 0 {
			fmt.Fprintf(o.ErrOut, "Warning: project %q sets %s: sourcing this output sets them in your shell, where they change what it and the commands it starts load or run, and anyone who can write the project's Secret chooses them\n",
				o.project, strings.Join(risky, ", "))
		}
	}
	return nil
}
