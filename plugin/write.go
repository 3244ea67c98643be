package plugin

import (
	"context"
	"fmt"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// valueWrite is what create and set share: one key's value, from the value
// flags, written in one guarded write that creates the project (owned as
// --owner says) when it is the project's first entry. The commands differ
// only in what they require of the key's current state (see write) and in
// the metadata a new entry gets.
type valueWrite struct {
	genericiooptions.IOStreams
	NewClient ClientFunc

	Value  *valueSource
	Owners []string
	// restartAfter is set's --restart; create has no flag for it.
	restartAfter
	expiry expiryFlags

	project, key string
	meta         store.MetaChange
	owners       projsecret.Owners
}

func newValueWrite(streams genericiooptions.IOStreams, newClient ClientFunc) valueWrite {
	return valueWrite{IOStreams: streams, NewClient: newClient, Value: &valueSource{}}
}

// addFlags adds the value flags and --owner.
func (w *valueWrite) addFlags(cmd *cobra.Command) {
	w.Value.addFlags(cmd)
	addOwnerFlag(cmd, &w.Owners)
}

// complete takes PROJECT KEY and which value flags were given.
func (w *valueWrite) complete(cmd *cobra.Command, args []string) {
	w.project, w.key = args[0], args[1]
	w.Value.complete(cmd)
}

// parseOwners reads --owner.
func (w *valueWrite) parseOwners(cmd *cobra.Command) error {
	var err error
	w.owners, err = parseOwnerFlag(cmd, w.Owners)
	return err
}

// put is the client's Create or Set, as create and set call it.
type putFunc func(c *store.Client, ctx context.Context, project, key string, value []byte, opts store.PutOptions) (store.PutResult, error)

// write reads the value, writes it with put (one guarded write, which
// creates the project, owned as --owner says, on its first entry) and
// prints done, who owns a project it created, and what --restart did.
func (w *valueWrite) write(ctx context.Context, put putFunc, done string) error {
	client, err := w.NewClient()
	if err != nil {
		return err
	}
	value, err := w.Value.read(w.In, w.ErrOut, w.project, w.key)
	if err != nil {
		return &projsecret.Error{Project: w.project, Key: w.key, Err: err}
	}
	w.expiry.apply(&w.meta, client.Now())
	res, err := put(client, ctx, w.project, w.key, value, store.PutOptions{Meta: w.meta, Owners: w.owners})
	if err != nil {
		return err
	}
	fmt.Fprintf(w.Out, "project %q, key %q: %s\n", w.project, w.key, done)
	if res.CreatedProject {
		reportCreated(w.Out, w.project, res.Owners)
	}
	if res.ValueChanged {
		w.restartAfter.changed = []string{w.key}
	}
	return w.restartAfter.run(ctx, client, w.project, w.Out, w.ErrOut, false)
}
