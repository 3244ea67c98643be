package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/projsecret/projsecret"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// mutation changes a project Secret and its parsed entries in place.
type mutation func(b *Batch) error

// writeOptions say what one read-modify-write is about and records.
type writeOptions struct {
	ApplyOptions
	// key is the entry the write is about, validated first and named in
	// its errors; empty for writes about a whole project.
	key string
	// anonymous writes record no author, so they skip the user lookup (a
	// SelfSubjectReview): setting owners touches no entry, so it records
	// no revision either.
	anonymous bool
	// parent continues a deleted project's history when this write
	// re-creates it (undelete).
	parent *projsecret.Head
	// projectDeleted marks the revision as the last before the project's
	// Secret is deleted.
	projectDeleted bool
	// written, if set, receives the Secret as stored.
	written *corev1.Secret
	// createdOwners, if set, receives the owners of the project this
	// write created (nil when it existed).
	createdOwners *projsecret.Owners
}

// readModifyWrite runs one guarded read-modify-write: GET (creating the Secret if it
// is absent), mutate, validate locally, UPDATE with the read resourceVersion;
// on a conflict, all of it again. The user lookup runs alongside the GET.
// With DryRun it stops after the local checks, just before sending.
func (c *Client) readModifyWrite(ctx context.Context, project string, opts writeOptions, mutate mutation) error {
	if err := opts.validate(project); err != nil {
		return placeError(project, opts.key, err)
	}
	w := &write{c: c, project: project, opts: opts, mutate: mutate}
	w.lookUpUser(ctx)
	attempts, err := c.retryRaces(ctx, func() error { return w.attempt(ctx) })
	if isRace(err) {
		return placeError(project, opts.key, fmt.Errorf("gave up after %d conflicting attempts: %w", attempts, err))
	}
	if err != nil {
		return placeError(project, opts.key, err)
	}
	c.pruneAfter(ctx, project, w.committed)
	return nil
}

// placeError places err on the project and key, unless it is placed already.
func placeError(project, key string, err error) error {
	var e *projsecret.Error
	if errors.As(err, &e) {
		return err
	}
	return &projsecret.Error{Project: project, Key: key, Err: err}
}

// validate checks what a write is about before anything is sent.
func (o writeOptions) validate(project string) error {
	if err := projsecret.ValidateProjectName(project); err != nil {
		return err
	}
	if o.key != "" {
		if err := projsecret.ValidateKey(o.key); err != nil {
			return err
		}
	}
	if err := o.Owners.Validate(); err != nil {
		return fmt.Errorf("initial owners: %w", err)
	}
	return nil
}

// write is one readModifyWrite: what it is asked to do, and what carries
// over from one attempt to the next.
type write struct {
	c       *Client
	project string
	opts    writeOptions
	mutate  mutation
	// user is the lookup's answer, valid once userc has delivered (or
	// when userc is nil and it is set).
	user  string
	userc chan error
	// storedRevision names the revision the last attempt stored; committed
	// is the one the successful attempt made count.
	storedRevision string
	committed      *pendingRevision
	// newOwners are the owners this attempt gives the project it creates.
	newOwners projsecret.Owners
}

// lookUpUser starts the user lookup, to run alongside the first GET; an
// anonymous write needs none.
func (w *write) lookUpUser(ctx context.Context) {
	if w.opts.anonymous {
		return
	}
	w.userc = make(chan error, 1)
	go func() {
		var err error
		w.user, err = w.c.user(ctx)
		w.userc <- err
	}()
}

// waitUser waits for the lookup the first time it is called.
func (w *write) waitUser() error {
	if w.userc == nil {
		return nil
	}
	err := <-w.userc
	w.userc = nil
	return err
}

// attempt is one try: read, mutate, check, send. A race it loses is
// retried by retryRaces from a fresh read.
func (w *write) attempt(ctx context.Context) error {
	s, isNew, err := w.c.getForWrite(ctx, w.project)
	if err != nil {
		return err
	}
	if err := w.waitUser(); err != nil {
		return err
	}
	entries, err := projsecret.ParseEntries(s.Annotations[projsecret.AnnotationEntries])
	if err != nil {
		return fmt.Errorf("stored metadata is unreadable, fix it before writing: %w", err)
	}
	before := projsecret.SizeOf(s)
	prior := snapshotEntries(s, entries)
	if err := w.mutate(&Batch{project: w.project, secret: s, entries: entries, user: w.user, isNew: isNew, stamp: w.c.stamp}); err != nil {
		return err
	}
	if err := w.seal(ctx, s, entries, isNew); err != nil {
		return err
	}
	// The revision records this write; it is stored before the
	// project's guarded write and counts only once that write, which
	// moves the project's head to it, succeeds.
	rev, err := w.c.newRevision(ctx, w.project, s, prior, entries, &w.user, w.opts)
	if err != nil {
		return err
	}
	if err := checkFits(s, before); err != nil {
		return err
	}
	if w.opts.DryRun {
		return nil
	}
	return w.send(ctx, s, rev, isNew)
}

// getForWrite GETs the project's Secret, or returns a new one to create
// when there is none yet.
func (c *Client) getForWrite(ctx context.Context, project string) (s *corev1.Secret, isNew bool, err error) {
	s, err = c.cs.CoreV1().Secrets(c.namespace).Get(ctx, projsecret.SecretName(project), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return newSecret(project, c.namespace), true, nil
	case err != nil:
		return nil, false, err
	}
	if err := checkSecretOf(s, project); err != nil {
		return nil, false, err
	}
	return s, false, nil
}

// seal readies the mutated Secret for sending: a new project must hold an
// entry and gets its initial owners; every write stores its entries'
// metadata.
func (w *write) seal(ctx context.Context, s *corev1.Secret, entries projsecret.Entries, isNew bool) error {
	if isNew && len(s.Data) == 0 {
		return fmt.Errorf("%w in namespace %q", projsecret.ErrNotFound, w.c.namespace)
	}
	w.newOwners = nil
	if isNew {
		owners, err := w.c.setInitialOwners(ctx, s, &w.user, w.opts.Owners)
		if err != nil {
			return err
		}
		w.newOwners = owners
	}
	encoded, err := entries.Encode()
	if err != nil {
		return err
	}
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[projsecret.AnnotationEntries] = encoded
	return nil
}

// checkFits refuses a Secret over the API server's limits before it is
// sent, saying how much room the write had.
func checkFits(s *corev1.Secret, before projsecret.Size) error {
	if err := projsecret.SizeOf(s).Check(); err != nil {
		return fmt.Errorf("write refused before sending: %w (room left before this write: %d bytes of values, %d bytes of metadata)",
			err, max(0, projsecret.MaxSecretDataBytes-before.DataBytes), max(0, projsecret.MaxAnnotationBytes-before.AnnotationBytes))
	}
	return nil
}

// send stores the revision (unless the last attempt stored this very one:
// same record, same name) and then the project's Secret, guarded by the
// resourceVersion it was read at.
func (w *write) send(ctx context.Context, s *corev1.Secret, rev *pendingRevision, isNew bool) error {
	if rev != nil && rev.secret.Name != w.storedRevision {
		if err := w.c.storeRevision(ctx, rev); err != nil {
			return err
		}
		w.storedRevision = rev.secret.Name
	}
	secrets := w.c.cs.CoreV1().Secrets(w.c.namespace)
	var (
		stored *corev1.Secret
		err    error
	)
	if isNew {
		stored, err = secrets.Create(ctx, s, metav1.CreateOptions{FieldManager: projsecret.ManagedByPlugin})
	} else {
		stored, err = secrets.Update(ctx, s, metav1.UpdateOptions{FieldManager: projsecret.ManagedByPlugin})
	}
	if err != nil {
		return err
	}
	w.committed = rev
	if w.opts.written != nil && stored != nil {
		*w.opts.written = *stored
	}
	if w.opts.createdOwners != nil {
		*w.opts.createdOwners = w.newOwners
	}
	return nil
}

// setInitialOwners gives a project Secret about to be created its owners:
// owners if given, else the requesting user, so that no project starts
// ownerless, open to whoever may write Secrets in the namespace. user is
// the lookup's result, made here if the write had no need of it before.
// It returns the owners it set.
func (c *Client) setInitialOwners(ctx context.Context, s *corev1.Secret, user *string, owners projsecret.Owners) (projsecret.Owners, error) {
	if len(owners) == 0 {
		if *user == "" {
			name, err := c.user(ctx)
			if err != nil {
				return nil, err
			}
			*user = name
		}
		if *user == "" {
			return nil, errNoOwner
		}
		owners = projsecret.Owners{projsecret.User(*user)}
	}
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[projsecret.AnnotationOwners] = owners.String()
	return owners, nil
}

// retryRaces runs fn until it succeeds, fails with something other than a
// race, has made backoff.Steps attempts, or the retry timeout would pass
// before the next one, sleeping as backoff says in between (see WithRetry).
// It returns how many attempts it made.
func (c *Client) retryRaces(ctx context.Context, fn func() error) (int, error) {
	delay := c.backoff.DelayFunc()
	deadline := time.Now().Add(c.timeout)
	for attempts := 1; ; attempts++ {
		err := fn()
		if !isRace(err) || attempts >= c.backoff.Steps {
			return attempts, err
		}
		d := delay()
		if time.Now().Add(d).After(deadline) {
			return attempts, err
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return attempts, fmt.Errorf("%w (while retrying after: %v)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// isRace: another writer got there first (an update conflict, or a
// concurrent first create of the Secret); reading again resolves it.
func isRace(err error) bool { return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) }

func newSecret(project, namespace string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:      projsecret.SecretName(project),
			Namespace: namespace,
			Labels:    map[string]string{projsecret.LabelProject: project, projsecret.LabelManagedBy: projsecret.ManagedByPlugin},
		},
		Type: corev1.SecretTypeOpaque,
	}
}
