package plugin

import (
	"context"
	"fmt"
	"io"

	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
)

// restartAfter is --restart on the commands that change values: once the
// write has succeeded, restart the readers of exactly the keys whose value
// it changed. A failed restart never undoes the write: the write is
// reported done first, and the restart's failures make the exit status 1.
type restartAfter struct {
	Restart bool
	changed []string
}

func (r *restartAfter) addFlag(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&r.Restart, "restart", false, "After the write, restart the Deployments, StatefulSets and DaemonSets that read a key whose value changed (see restart).")
}

// track wraps the write's Apply function to learn which values it changed.
func (r *restartAfter) track(fn func(b *store.Batch) error) func(b *store.Batch) error {
	if !r.Restart {
		return fn
	}
	return store.TrackValueChanges(&r.changed, fn)
}

// run restarts, with --restart, the readers of the changed keys and prints
// restart's report; dryRun lists them only.
func (r *restartAfter) run(ctx context.Context, client *store.Client, project string, out, errOut io.Writer, dryRun bool) error {
	if !r.Restart {
		return nil
	}
	if len(r.changed) == 0 {
		fmt.Fprintf(errOut, "No value changed: nothing to restart.\n")
		return nil
	}
	report, err := client.Restart(ctx, project, r.changed, dryRun)
	if err != nil {
		return fmt.Errorf("the write succeeded, but finding what to restart failed: %w", err)
	}
	if err := printRestart(out, errOut, newOutputFlags(), report); err != nil {
		return fmt.Errorf("the write succeeded, but %w", err)
	}
	return nil
}
