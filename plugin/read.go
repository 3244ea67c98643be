package plugin

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// readOptions prints one entry's value.
type readOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	// Revision, if set, reads the value as it was right after it.
	Revision int

	project, key string
}

func newReadCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &readOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "read PROJECT KEY",
		Short: "Print the value of an entry",
		Long: `Print the value of an entry to standard output exactly as stored: no
newline is added and nothing is trimmed, so the output can be piped or
redirected into a file unchanged. This is the only command that prints a value.

With --revision N, print the value as it was right after revision N (see
"history"), also of a deleted key or project.`,
		Example: `  # Use a value without it touching the disk
  PGPASSWORD="$(kubectl projsecret read payments DB_PASSWORD)" psql ...

  # Write a binary value to a file
  kubectl projsecret read payments TLS_KEY > tls.key

  # The value as it was at revision 3
  kubectl projsecret read payments DB_PASSWORD --revision 3`,
		Args:              argsBetween(2, 2),
		ValidArgsFunction: completeProjectKeys(newClient, true, 2),
		RunE:              runE(o),
	}
	cmd.Flags().IntVar(&o.Revision, "revision", 0, "Print the value as it was right after this revision (see history).")
	return cmd
}

// Complete takes the arguments.
func (o *readOptions) Complete(_ *cobra.Command, args []string) error {
	o.project, o.key = args[0], args[1]
	return nil
}

// Validate checks --revision; project and key are checked by the client,
// and a key outside the contract may still exist.
func (o *readOptions) Validate(cmd *cobra.Command) error {
	if cmd.Flags().Changed("revision") && o.Revision < 1 {
		return usageErrorf(cmd, "--revision is %d: expected a revision, 1 or more (see history)", o.Revision)
	}
	return nil
}

// Run prints the value byte for byte.
func (o *readOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	var value []byte
	if o.Revision > 0 {
		value, err = client.ReadRevision(ctx, o.project, o.key, o.Revision)
	} else {
		value, err = client.Read(ctx, o.project, o.key)
	}
	if err != nil {
		return err
	}
	if _, err := o.Out.Write(value); err != nil {
		return fmt.Errorf("project %q, key %q: writing the value to standard output: %w", o.project, o.key, err)
	}
	return nil
}

// readValues reads the project's values, of keys or of every entry, in one
// GET: export and run act on that one consistent snapshot.
func readValues(ctx context.Context, newClient ClientFunc, project string, keys []string) (map[string][]byte, error) {
	client, err := newClient()
	if err != nil {
		return nil, err
	}
	return client.Values(ctx, project, keys...)
}
