package plugin

import (
	"context"
	"fmt"

	"github.com/projsecret/projsecret"
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
	meta         projsecret.MetaChange
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

// write reads the value, then puts it in one Apply and prints done. allow
// says, from whether the key exists in the stored project, whether the
// write may go ahead; its error is reported at the key.
func (w *valueWrite) write(ctx context.Context, allow func(exists bool) error, done string) error {
	client, err := w.NewClient()
	if err != nil {
		return err
	}
	value, err := w.Value.read(w.In, w.ErrOut, w.project, w.key)
	if err != nil {
		return &projsecret.Error{Project: w.project, Key: w.key, Err: err}
	}
	// The key is checked before anything is sent, as the contract's own
	// writes do.
	if err := projsecret.ValidateKey(w.key); err != nil {
		return &projsecret.Error{Project: w.project, Key: w.key, Err: err}
	}
	w.expiry.apply(&w.meta, client.Now())
	var created bool
	err = client.Apply(ctx, w.project, projsecret.ApplyOptions{Owners: w.owners}, w.track(func(b *projsecret.Batch) error {
		_, exists := b.Value(w.key)
		if err := allow(exists); err != nil {
			return &projsecret.Error{Project: w.project, Key: w.key, Err: err}
		}
		created = b.IsNew()
		return b.Put(w.key, value, w.meta)
	}))
	if err != nil {
		return atKey(err, w.project, w.key)
	}
	fmt.Fprintf(w.Out, "project %q, key %q: %s\n", w.project, w.key, done)
	if created {
		if err := reportCreated(ctx, w.Out, client, w.project, w.owners); err != nil {
			return err
		}
	}
	return w.restartAfter.run(ctx, client, w.project, w.Out, w.ErrOut, false)
}
