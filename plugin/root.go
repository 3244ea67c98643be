// Package plugin is the command line front end of kubectl projsecret: one
// cobra command per verb, each an options struct with Complete, Validate and
// Run, all talking to the cluster through the contract's Client.
package plugin

import (
	"context"
	"fmt"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// displayName is how help text names the command: kubectl finds the
// binary kubectl-projsecret and users type "kubectl projsecret".
const displayName = "kubectl projsecret"

// Main runs the plugin with args and returns the process exit code: 0 on
// success, 1 on any error (unless the command says otherwise, see
// exitError), after printing that error as one line on stderr.
func Main(ctx context.Context, args []string, streams genericiooptions.IOStreams) int {
	return run(ctx, args, streams, nil)
}

// run is Main with a replaceable client factory; nil means "from the
// kubeconfig flags".
func run(ctx context.Context, args []string, streams genericiooptions.IOStreams, newClient ClientFunc) int {
	cmd := NewCmd(streams, newClient)
	cmd.SetArgs(args)
	executed, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	code, hasMessage := exitCode(executed, err)
	if hasMessage {
		fmt.Fprintf(streams.ErrOut, "error: %s\n", projsecret.Printable(oneLine(adoptHint(err))))
	}
	return code
}

// NewCmd builds the root command. newClient may be nil, in which case every
// command builds its client from the kubeconfig flags (-n, --context, ...).
func NewCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	configFlags := genericclioptions.NewConfigFlags(true)
	if newClient == nil {
		newClient = clientFromFlags(configFlags, streams)
	}
	cmd := &cobra.Command{
		Use:   "kubectl-projsecret",
		Short: "Manage per-project secrets: entries with descriptions, labels and authorship",
		Long: `Manage per-project secrets.

A project's entries live in one Secret, proj-secrets-PROJECT, in the current
namespace (-n to choose another). Each entry has a value, which only
"read" prints, and metadata (description, labels, who created and last
changed it, when), which "get" lists.`,
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: displayName},
		// Runtime errors are printed once, by run, as a single line; a usage
		// dump after "forbidden" helps nobody.
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          unknownCommand,
		// cobra only sets its default distance when it builds its own message.
		SuggestionsMinimumDistance: 2,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	configFlags.AddFlags(cmd.PersistentFlags())
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf(c, "%v", err)
	})

	cmd.AddCommand(
		newCreateCmd(streams, newClient),
		newReadCmd(streams, newClient),
		newSetCmd(streams, newClient),
		newGetCmd(streams, newClient),
		newMetaCmd(streams, newClient),
		newDeleteCmd(streams, newClient),
		newHistoryCmd(streams, newClient),
		newRollbackCmd(streams, newClient),
		newUndeleteCmd(streams, newClient),
		newImportCmd(streams, newClient),
		newExportCmd(streams, newClient),
		newRunCmd(streams, newClient),
		newEditCmd(streams, newClient),
		newProjectsCmd(streams, newClient),
		newOwnersCmd(streams, newClient),
		newCopyCmd(streams, newClient),
		newDiffCmd(streams, newClient),
		newAdoptCmd(streams, newClient),
		newUsesCmd(streams, newClient),
		newRestartCmd(streams, newClient),
		newExpiringCmd(streams, newClient),
		newUICmd(streams, newClient),
		newVersionCmd(streams),
	)
	return cmd
}

// unknownCommand rejects "kubectl projsecret foo" in one line, with cobra's
// suggestions, instead of cobra's multi-line message.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %s: expected one of %s", projsecret.Quote(args[0]), strings.Join(commandNames(cmd), ", "))
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg = fmt.Sprintf("unknown command %s (did you mean %s?)", projsecret.Quote(args[0]), strings.Join(s, " or "))
	}
	return usageErrorf(cmd, "%s", msg)
}

func commandNames(cmd *cobra.Command) []string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return names
}

// usageError is a mistake on the command line; it points at the help of the
// command that was misused.
type usageError struct {
	msg  string
	path string
}

func (e *usageError) Error() string { return fmt.Sprintf("%s (see '%s --help')", e.msg, e.path) }

func usageErrorf(cmd *cobra.Command, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), path: cmd.CommandPath()}
}

// oneLine keeps an error on one line of stderr: the webhook reports each
// broken rule on its own line.
func oneLine(err error) string { return projsecret.OneLine(err.Error()) }

// command is the options pattern every subcommand follows, as kubectl's own
// commands do: take the arguments, check them, then act. Unlike kubectl's,
// the options types and their constructors are unexported: kubectl exports
// NewCmdX so that other binaries can mount its commands, while this
// package's one consumer is the plugin binary, through Main (or NewCmd for
// the whole tree), and an exported options type would be a promise about
// fields that only Complete may fill.
type command interface {
	Complete(cmd *cobra.Command, args []string) error
	Validate(cmd *cobra.Command) error
	Run(ctx context.Context) error
}

func runE(o command) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(cmd, args); err != nil {
			return err
		}
		if err := o.Validate(cmd); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
}
