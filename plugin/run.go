package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// runOptions runs a command with a project's values in its environment.
type runOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	EnvNames   string
	NoOverride bool

	project string
	keys    []string
	argv    []string
}

// The exit codes env(1) and POSIX shells use when the command cannot run.
const (
	exitCannotExecute = 126
	exitNotFound      = 127
	exitSignalBase    = 128
)

// forwardedSignals are passed on to the child instead of ending the plugin:
// the child decides how to stop, and the plugin reports how it did.
var forwardedSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

func newRunCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &runOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "run PROJECT [KEY...] -- COMMAND [ARG...]",
		Short: "Run a command with a project's values as environment variables",
		Long: `Run COMMAND with the inherited environment plus the project's entries (only
the keys given, if any) as environment variables, the way envFrom gives them
to a Pod. The values go only into the command's environment: never into its
arguments, never into a file. Project values win over inherited variables of
the same name unless --no-override is given.

Before the command starts, a warning names (never with their values) the
entries that change what it loads or runs (PATH, LD_*, GIT_*, PAGER, EDITOR,
*_OPTIONS, HOME, KUBECONFIG, MAKEFLAGS, HTTPS_PROXY, SSL_CERT_FILE and the
like: anyone who can write the project's Secret chooses them), and those
that replace a variable you already had.

--env-names=keep (the default) uses keys as they are, as envFrom does;
--env-names=upper maps them to upper case with "-" as "_" (two keys mapping
to one name is an error).

Standard input, output and error are the command's; SIGINT, SIGTERM and
SIGHUP are forwarded to it. The exit status is the command's (128+N when a
signal N ended it); as with env(1), 127 means COMMAND was not found and 126
that it could not be executed.`,
		Example: `  # Run the app locally as it runs on the platform
  kubectl projsecret run payments -- ./server --port 8080

  # Only two entries, with environment-style names, inherited values kept
  kubectl projsecret run payments db-user db-password --env-names=upper --no-override -- psql`,
		Args:              runArgs,
		ValidArgsFunction: completeProjectKeys(newClient, true, -1),
		RunE:              runE(o),
	}
	cmd.Flags().StringVar(&o.EnvNames, "env-names", "keep", "How keys become variable names: keep, or upper (upper case, '-' as '_').")
	cmd.Flags().BoolVar(&o.NoOverride, "no-override", false, "Keep inherited variables that have the same name as an entry.")
	_ = cmd.RegisterFlagCompletionFunc("env-names", cobra.FixedCompletions([]string{"keep", "upper"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// runArgs wants a project before "--" and a command after it.
func runArgs(cmd *cobra.Command, args []string) error {
	dash := cmd.ArgsLenAtDash()
	switch {
	case dash < 0:
		return usageErrorf(cmd, "expected PROJECT [KEY...] -- COMMAND [ARG...]: the command to run goes after --")
	case dash == 0:
		return usageErrorf(cmd, "expected PROJECT before --")
	case dash == len(args):
		return usageErrorf(cmd, "expected a COMMAND after --")
	}
	return nil
}

// Complete splits the arguments at "--".
func (o *runOptions) Complete(cmd *cobra.Command, args []string) error {
	dash := cmd.ArgsLenAtDash()
	o.project, o.keys, o.argv = args[0], args[1:dash], args[dash:]
	return nil
}

// Validate checks --env-names.
func (o *runOptions) Validate(cmd *cobra.Command) error {
	if o.EnvNames != "keep" && o.EnvNames != "upper" {
		return usageErrorf(cmd, "--env-names %q is not known: expected keep or upper", o.EnvNames)
	}
	return nil
}

// Run reads the values, builds the environment and runs the command.
func (o *runOptions) Run(ctx context.Context) error {
	values, err := readValues(ctx, o.NewClient, o.project, o.keys)
	if err != nil {
		return err
	}
	vars, err := envVars(o.project, values, o.EnvNames == "upper")
	if err != nil {
		return err
	}
	inherited := os.Environ()
	risky, replaced := riskyNames(vars, inherited, !o.NoOverride, runtime.GOOS)
	if len(risky) > 0 {
		fmt.Fprintf(o.ErrOut, "Warning: project %q sets %s: these change what the command loads or runs, and anyone who can write the project's Secret chooses them\n",
			o.project, strings.Join(risky, ", "))
	}
	if len(replaced) > 0 {
		fmt.Fprintf(o.ErrOut, "Warning: project %q replaces your %s: the command gets the project's values instead (--no-override keeps yours)\n",
			o.project, strings.Join(replaced, ", "))
	}
	return o.runChild(mergeEnv(inherited, vars, !o.NoOverride, runtime.GOOS))
}

// envVars names each value as a variable.
func envVars(project string, values map[string][]byte, upper bool) (map[string][]byte, error) {
	vars := make(map[string][]byte, len(values))
	from := map[string]string{}
	for _, key := range slices.Sorted(maps.Keys(values)) {
		name := key
		if upper {
			name = strings.ReplaceAll(strings.ToUpper(key), "-", "_")
		}
		if other, ok := from[name]; ok {
			return nil, &projsecret.Error{Project: project, Err: fmt.Errorf("keys %q and %q both map to the variable %s: pass the keys to use, or --env-names=keep", other, key, name)}
		}
		if bytes.IndexByte(values[key], 0) >= 0 {
			return nil, &projsecret.Error{Project: project, Key: key, Err: errors.New("the value contains a NUL byte, which an environment variable cannot hold: leave the key out")}
		}
		from[name] = key
		vars[name] = values[key]
	}
	return vars, nil
}

// mergeEnv adds vars to the inherited environment: replacing variables of
// the same name when override, else leaving them and skipping the entry.
// Names are the same as goos compares them (on Windows, Path is PATH).
func mergeEnv(inherited []string, vars map[string][]byte, override bool, goos string) []string {
	canon := envNameCanon(goos)
	ours := map[string]bool{}
	for name := range vars {
		ours[canon(name)] = true
	}
	env := make([]string, 0, len(inherited)+len(vars))
	have := map[string]bool{}
	for _, kv := range inherited {
		name, _, _ := strings.Cut(kv, "=")
		if ours[canon(name)] && override {
			continue
		}
		have[canon(name)] = true
		env = append(env, kv)
	}
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		if !have[canon(name)] {
			env = append(env, name+"="+string(vars[name]))
		}
	}
	return env
}

// runChild runs argv with env and returns its exit status as an exitError.
func (o *runOptions) runChild(env []string) error {
	path, err := exec.LookPath(o.argv[0])
	if err != nil {
		return startError(o.argv[0], err)
	}
	child := exec.Command(path, o.argv[1:]...)
	child.Args[0] = o.argv[0]
	child.Env = env
	child.Stdin, child.Stdout, child.Stderr = o.In, o.Out, o.ErrOut

	// Catch the signals before starting, so none ends the plugin between
	// the start and the forwarding.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	if err := child.Start(); err != nil {
		return startError(o.argv[0], err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = child.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err = child.Wait()
	close(done)

	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &exitError{code: exitSignalBase + int(ws.Signal())}
		}
		return &exitError{code: exit.ExitCode()}
	default:
		// The command ran, but copying its standard streams failed.
		return fmt.Errorf("running %s: %w", o.argv[0], err)
	}
}

// startError maps a command that could not start to env(1)'s exit codes.
func startError(name string, err error) error {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return &exitError{code: exitNotFound, err: fmt.Errorf("%s: command not found", name)}
	}
	return &exitError{code: exitCannotExecute, err: fmt.Errorf("%s: cannot execute: %w", name, unwrapPath(err))}
}

// unwrapPath drops the path from an *fs.PathError, which repeats the name.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
