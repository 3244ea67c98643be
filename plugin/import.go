package plugin

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/entryfile"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// importOptions writes many entries from one file in one guarded write.
type importOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	File      string
	Format    string
	Overwrite bool
	DryRun    bool
	metaFlags
	restartAfter
	expiry expiryFlags

	project string
	format  entryfile.Format
	meta    store.MetaChange
}

func newImportCmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &importOptions{IOStreams: streams, NewClient: newClient}
	cmd := &cobra.Command{
		Use:   "import PROJECT -f FILE",
		Short: "Create or replace many entries from a .env, JSON or YAML file",
		Long: `Create many entries at once from a file, in a single write: either every
entry is written or, on any error, none is.

Formats (--format, else from the extension .env, .json, .yaml or .yml, else env):
  env   KEY=VALUE lines, as Docker's --env-file and kubectl's --from-env-file
        read them: blank lines and "#" comment lines are skipped, "export "
        before a key is allowed, and an unquoted value is everything after
        the "=". 'Single quotes' are literal ('\'' is a quote, as in sh);
        "double quotes" know \n \r \t \" and \\. Quoted values may span
        lines. Errors name the line and the key, never a value.
  json  one object of string values.
  yaml  one mapping of string values.

A key that already exists is an error, listing every such key, unless
--overwrite is given: then its value is replaced and its metadata kept.
--description and --label apply to the entries created.`,
		Example: `  # Upload a .env file
  kubectl projsecret import payments -f .env --description "from .env" --label source=dotenv

  # Replace existing values too, from JSON on standard input
  vault kv get -format=json -field=data secret/payments | kubectl projsecret import payments -f - --format json --overwrite

  # What would happen, without writing
  kubectl projsecret import payments -f secrets.yaml --dry-run`,
		Args:              argsBetween(1, 1),
		ValidArgsFunction: completeProjectKeys(newClient, false, 1),
		RunE:              runE(o),
	}
	cmd.Flags().StringVarP(&o.File, "filename", "f", "", `The file to read, "-" for standard input.`)
	cmd.Flags().StringVar(&o.Format, "format", "", "The file's format: env, json or yaml (default: from the extension, else env).")
	cmd.Flags().BoolVar(&o.Overwrite, "overwrite", false, "Replace the values of keys that exist, keeping their metadata.")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "Say what would be created and updated, and check the result, without writing.")
	o.restartAfter.addFlag(cmd)
	o.expiry.addFlags(cmd, false, false)
	o.addFlags(cmd, "Description of the entries created.", "A label KEY=VALUE for the entries created; repeat for more.")
	_ = cmd.MarkFlagFilename("filename", "env", "json", "yaml", "yml")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"env", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Complete takes the arguments.
func (o *importOptions) Complete(_ *cobra.Command, args []string) error {
	o.project = args[0]
	return nil
}

// Validate checks the flags before anything is read or sent.
func (o *importOptions) Validate(cmd *cobra.Command) error {
	if o.File == "" {
		return usageErrorf(cmd, `-f FILE is required ("-" for standard input)`)
	}
	f, err := entryfile.FormatFor(o.File, o.Format)
	if err != nil {
		return usageErrorf(cmd, "--format: %v", err)
	}
	o.format = f
	if o.meta, err = o.metaChange(cmd); err != nil {
		return err
	}
	return o.expiry.validate(cmd)
}

// Run reads the whole file, then writes every entry in one Apply.
func (o *importOptions) Run(ctx context.Context) error {
	values, err := entryfile.Read(o.File, o.format, o.In)
	if err != nil {
		return &projsecret.Error{Project: o.project, Err: err}
	}
	if len(values) == 0 {
		return &projsecret.Error{Project: o.project, Err: fmt.Errorf("%s has no entries: nothing to import", o.File)}
	}
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	keys := slices.Sorted(maps.Keys(values))
	// The expiry flags apply to every entry imported, new or replaced.
	newMeta, replacedMeta := o.meta, store.MetaChange{}
	o.expiry.apply(&newMeta, client.Now())
	o.expiry.apply(&replacedMeta, client.Now())
	var created, updated int
	err = client.Apply(ctx, o.project, store.ApplyOptions{DryRun: o.DryRun}, o.track(func(b *store.Batch) error {
		created, updated = 0, 0
		var existing []string
		for _, k := range keys {
			if _, ok := b.Value(k); ok {
				existing = append(existing, k)
			}
		}
		if len(existing) > 0 && !o.Overwrite {
			return fmt.Errorf("%s already exist: nothing was imported (use --overwrite to replace their values)", quoteKeys(existing))
		}
		for _, k := range keys {
			meta := newMeta
			if _, ok := b.Value(k); ok {
				meta = replacedMeta
				updated++
			} else {
				created++
			}
			if err := b.Put(k, values[k], meta); err != nil {
				return err
			}
		}
		return nil
	}))
	if err != nil {
		return err
	}
	suffix := ""
	if o.DryRun {
		suffix = " (dry run: nothing written)"
	}
	fmt.Fprintf(o.Out, "project %q: %d created, %d updated%s\n", o.project, created, updated, suffix)
	return o.restartAfter.run(ctx, client, o.project, o.Out, o.ErrOut, o.DryRun)
}

// maxNamedKeys keeps a message naming keys to one readable line.
const maxNamedKeys = 10

// quoteKeys names keys in a message: `key "A"`, `keys "A", "B"`, or the
// first maxNamedKeys and how many more.
func quoteKeys(keys []string) string {
	shown := keys[:min(len(keys), maxNamedKeys)]
	q := make([]string, len(shown))
	for i, k := range shown {
		q[i] = fmt.Sprintf("%q", k)
	}
	if len(keys) == 1 {
		return "key " + q[0]
	}
	more := ""
	if n := len(keys) - len(shown); n > 0 {
		more = fmt.Sprintf(" and %d more", n)
	}
	return fmt.Sprintf("%d keys %s%s", len(keys), strings.Join(q, ", "), more)
}
