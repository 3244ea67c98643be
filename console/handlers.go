package console

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/projsecret/projsecret"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation"
)

type sessionKey struct{}

func withSession(r *http.Request, s session) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), sessionKey{}, s))
}

func sessionOf(r *http.Request) session {
	s, _ := r.Context().Value(sessionKey{}).(session)
	return s
}

// routes: pages are GETs under /ns/NS/; every action is a POST next to the
// page it changes. Keys and project names are validated names, never values,
// so they may appear in paths; values only ever travel in request bodies
// and in the answer to a reveal.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.Handle("GET /static/", s.static)
	mux.HandleFunc("GET /ns/{ns}/{$}", s.projectsPage)
	mux.HandleFunc("POST /ns/{ns}/projects", s.createProject)
	mux.HandleFunc("GET /ns/{ns}/p/{project}/{$}", s.projectPage)
	mux.HandleFunc("POST /ns/{ns}/p/{project}/entries", s.createEntry)
	mux.HandleFunc("POST /ns/{ns}/p/{project}/owners", s.setOwners)
	mux.HandleFunc("GET /ns/{ns}/p/{project}/restart", s.restartPage)
	mux.HandleFunc("POST /ns/{ns}/p/{project}/restart", s.restart)
	mux.HandleFunc("GET /ns/{ns}/p/{project}/e/{key}", s.entryPage)
	mux.HandleFunc("POST /ns/{ns}/p/{project}/e/{key}/reveal", s.reveal)
	mux.HandleFunc("POST /ns/{ns}/p/{project}/e/{key}/value", s.setValue)
	mux.HandleFunc("POST /ns/{ns}/p/{project}/e/{key}/meta", s.updateMeta)
	mux.HandleFunc("POST /ns/{ns}/p/{project}/e/{key}/delete", s.deleteEntry)
	mux.HandleFunc("POST /ns/{ns}/p/{project}/e/{key}/rollback", s.rollback)
	return mux
}

// page is what every template gets. Text a tenant or the cluster wrote
// (owners, descriptions, labels, user names, messages) is shown through
// projsecret.Printable, as the plugin shows it: a zero-width space or a
// direction override appears as \u200b or \u202e rather than as nothing.
// The fields named Input hold the text as stored, for form fields, so
// that saving a form unchanged writes back exactly what was there.
type page struct {
	Title     string
	CSRF      string
	Namespace string
	Project   string
	User      string

	Projects    []projectRow
	Entries     []entryRow
	Entry       entryRow
	Owners      string
	OwnersInput string
	History     []historyRow
	Restart     *restartView

	Status  int
	Message string
}

type projectRow struct {
	Name    string
	Entries int
	Owners  string
	Age     string
	Created time.Time
}

type label struct{ Key, Value string }

// entryRow is one entry as the pages show it, with every string the
// templates need computed here: a project page renders a thousand of them.
type entryRow struct {
	Key              string
	URL              string
	UpdatedISO       string
	UpdatedUnix      int64
	Description      string
	DescriptionInput string
	Labels           []label
	LabelsShown      string
	LabelsText       string // as stored, for the labels form
	Size             int
	SizeText         string
	UpdatedAt        time.Time
	UpdatedAgo       string
	UpdatedBy        string
	CreatedAt        time.Time
	CreatedBy        string
	// ExpiresISO is "" when the entry has no expiry; ExpiresText is
	// relative, as get's EXPIRES column; RotateEvery is as stored.
	ExpiresISO  string
	ExpiresText string
	Expired     bool
	RotateEvery string
}

func (s *Server) newPage(r *http.Request, title, ns string) page {
	p := page{Title: title, CSRF: sessionOf(r).csrf, Namespace: ns, Project: r.PathValue("project")}
	// Who the page acts as: the API server's answer, asked once per process.
	if user, err := s.client.User(r.Context()); err == nil {
		p.User = projsecret.Printable(user)
	}
	return p
}

// home sends / to the namespace of the kubeconfig, or to ?ns= (the
// namespace switch, a GET form that works without script).
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ns := s.client.Namespace()
	if q := r.URL.Query().Get("ns"); q != "" {
		ns = strings.TrimSpace(q)
	}
	if msg := validNamespace(ns); msg != "" {
		s.errorPage(w, r, ns, http.StatusBadRequest, msg)
		return
	}
	http.Redirect(w, r, nsPath(ns), http.StatusSeeOther)
}

// in returns the client for the request's namespace, or writes the error.
func (s *Server) in(w http.ResponseWriter, r *http.Request) (*projsecret.Client, bool) {
	ns := r.PathValue("ns")
	if msg := validNamespace(ns); msg != "" {
		s.fail(w, r, http.StatusBadRequest, msg)
		return nil, false
	}
	return s.client.InNamespace(ns), true
}

// inEntry is in for the actions on one entry, with the project and key
// the path names.
func (s *Server) inEntry(w http.ResponseWriter, r *http.Request) (c *projsecret.Client, project, key string, ok bool) {
	c, ok = s.in(w, r)
	return c, r.PathValue("project"), r.PathValue("key"), ok
}

// badForm reports a form the action cannot use, at the project and key
// it was for, as a bad request whatever the error's kind.
func (s *Server) badForm(w http.ResponseWriter, r *http.Request, project, key string, err error) {
	s.fail(w, r, http.StatusBadRequest, &projsecret.Error{Project: project, Key: key, Err: err})
}

// finish answers an action that has written: its error where it was
// taken, or the way on to next.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, err error, next string) {
	if err != nil {
		s.fail(w, r, 0, err)
		return
	}
	s.done(w, r, next)
}

func (s *Server) projectsPage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.in(w, r)
	if !ok {
		return
	}
	projects, err := c.Projects(r.Context(), false)
	if err != nil {
		s.fail(w, r, 0, fmt.Errorf("namespace %q: %w", c.Namespace(), err))
		return
	}
	slices.SortFunc(projects, func(a, b projsecret.Project) int { return cmp.Compare(a.Name, b.Name) })
	p := s.newPage(r, "Projects in "+c.Namespace(), c.Namespace())
	now := c.Now()
	for _, pr := range projects {
		p.Projects = append(p.Projects, projectRow{
			Name: pr.Name, Entries: pr.Entries, Owners: projsecret.Printable(pr.Owners),
			Age: duration.HumanDuration(now.Sub(pr.Created.Time)), Created: pr.Created.UTC(),
		})
	}
	s.render(w, "projects", http.StatusOK, p)
}

func (s *Server) projectPage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.in(w, r)
	if !ok {
		return
	}
	project := r.PathValue("project")
	entries, err := c.List(r.Context(), project)
	if err != nil {
		s.fail(w, r, 0, err)
		return
	}
	owners, err := ownersOf(r.Context(), c, project)
	if err != nil {
		s.fail(w, r, 0, err)
		return
	}
	p := s.newPage(r, project, c.Namespace())
	p.Owners, p.OwnersInput = projsecret.Printable(owners), owners
	now := c.Now()
	for _, e := range entries {
		p.Entries = append(p.Entries, row(c.Namespace(), project, e, now))
	}
	s.render(w, "project", http.StatusOK, p)
}

func (s *Server) entryPage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.in(w, r)
	if !ok {
		return
	}
	project, key := r.PathValue("project"), r.PathValue("key")
	entries, err := c.List(r.Context(), project, key)
	if err != nil {
		s.fail(w, r, 0, err)
		return
	}
	// The entry's history: one LIST of the project's revisions more.
	revs, err := c.History(r.Context(), project, key)
	if err != nil {
		s.fail(w, r, 0, err)
		return
	}
	p := s.newPage(r, key+" · "+project, c.Namespace())
	p.Entry = row(c.Namespace(), project, entries[0], c.Now())
	p.History = historyRows(revs, key, c.Now())
	s.render(w, "entry", http.StatusOK, p)
}

// ownersOf finds a project's owners annotation in the namespace's listing:
// the Client reads owners only that way.
func ownersOf(ctx context.Context, c *projsecret.Client, project string) (string, error) {
	projects, err := c.Projects(ctx, false)
	if err != nil {
		return "", &projsecret.Error{Project: project, Err: err}
	}
	for _, p := range projects {
		if p.Name == project {
			return p.Owners, nil
		}
	}
	return "", nil
}

func row(ns, project string, e projsecret.Entry, now time.Time) entryRow {
	r := entryRow{
		Key: e.Key, URL: entryPath(ns, project, e.Key),
		UpdatedISO: e.UpdatedAt.UTC().Format(time.RFC3339), UpdatedUnix: e.UpdatedAt.Unix(),
		Description: projsecret.Printable(e.Description), DescriptionInput: e.Description,
		Size: e.Size, SizeText: size(e.Size),
		UpdatedAt: e.UpdatedAt, UpdatedBy: projsecret.Printable(e.UpdatedBy),
		CreatedAt: e.CreatedAt, CreatedBy: projsecret.Printable(e.CreatedBy),
	}
	if !e.UpdatedAt.IsZero() {
		r.UpdatedAgo = duration.HumanDuration(now.Sub(e.UpdatedAt)) + " ago"
	}
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(e.Labels)) {
		r.Labels = append(r.Labels, label{projsecret.Printable(k), projsecret.Printable(e.Labels[k])})
		lines = append(lines, k+"="+e.Labels[k])
	}
	r.LabelsText = strings.Join(lines, "\n")
	r.LabelsShown = projsecret.Printable(strings.Join(lines, " "))
	expiryCells(&r, e, now)
	return r
}

func size(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}

// createProject creates a project with its first entry.
func (s *Server) createProject(w http.ResponseWriter, r *http.Request) {
	c, ok := s.in(w, r)
	if !ok {
		return
	}
	project := strings.TrimSpace(r.FormValue("project"))
	s.create(w, r, c, project)
}

func (s *Server) createEntry(w http.ResponseWriter, r *http.Request) {
	c, ok := s.in(w, r)
	if !ok {
		return
	}
	s.create(w, r, c, r.PathValue("project"))
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, c *projsecret.Client, project string) {
	key := strings.TrimSpace(r.FormValue("key"))
	value, err := formValue(r)
	if err != nil {
		s.badForm(w, r, project, key, err)
		return
	}
	description := r.FormValue("description")
	set, _, err := labelChange("", r.FormValue("labels"))
	if err != nil {
		s.badForm(w, r, project, key, err)
		return
	}
	meta := projsecret.MetaChange{Description: &description, SetLabels: set}
	if err := expiryChange(r, c.Now(), &meta); err != nil {
		s.badForm(w, r, project, key, err)
		return
	}
	s.finish(w, r, c.Create(r.Context(), project, key, value, meta), projectPath(c.Namespace(), project))
}

func (s *Server) setValue(w http.ResponseWriter, r *http.Request) {
	c, project, key, ok := s.inEntry(w, r)
	if !ok {
		return
	}
	value, err := formValue(r)
	if err != nil {
		s.badForm(w, r, project, key, err)
		return
	}
	// The keys whose value changed: none when the same bytes were put
	// again. Their readers are offered a restart next.
	var changed []string
	err = c.Apply(r.Context(), project, projsecret.ApplyOptions{}, projsecret.TrackValueChanges(&changed, func(b *projsecret.Batch) error {
		if _, ok := b.Value(key); !ok {
			return &projsecret.Error{Project: project, Key: key, Err: projsecret.ErrNotFound}
		}
		return b.Put(key, value, projsecret.MetaChange{})
	}))
	next := entryPath(c.Namespace(), project, key)
	if len(changed) > 0 {
		next = restartPath(c.Namespace(), project, changed)
	}
	s.finish(w, r, err, next)
}

// updateMeta applies the form's description and labels. Labels are sent as
// the whole list plus the list the page showed (labels_before): only labels
// the user removed are removed, so a label another writer added meanwhile
// stays.
func (s *Server) updateMeta(w http.ResponseWriter, r *http.Request) {
	c, project, key, ok := s.inEntry(w, r)
	if !ok {
		return
	}
	var change projsecret.MetaChange
	if r.Form.Has("description") {
		d := r.FormValue("description")
		change.Description = &d
	}
	set, remove, err := labelChange(r.FormValue("labels_before"), r.FormValue("labels"))
	if err != nil {
		s.badForm(w, r, project, key, err)
		return
	}
	change.SetLabels, change.RemoveLabels = set, remove
	if err := expiryChange(r, c.Now(), &change); err != nil {
		s.badForm(w, r, project, key, err)
		return
	}
	s.finish(w, r, c.UpdateMeta(r.Context(), project, key, change), entryPath(c.Namespace(), project, key))
}

// deleteEntry needs the key typed again: a confirmation that works with
// the keyboard and without script.
func (s *Server) deleteEntry(w http.ResponseWriter, r *http.Request) {
	c, project, key, ok := s.inEntry(w, r)
	if !ok {
		return
	}
	if r.FormValue("confirm") != key {
		s.badForm(w, r, project, key, errors.New("not deleted: type the key exactly to confirm"))
		return
	}
	s.finish(w, r, c.Delete(r.Context(), project, key), projectPath(c.Namespace(), project))
}

func (s *Server) setOwners(w http.ResponseWriter, r *http.Request) {
	c, ok := s.in(w, r)
	if !ok {
		return
	}
	project := r.PathValue("project")
	// Commas, spaces or lines between subjects.
	fields := strings.FieldsFunc(r.FormValue("owners"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	owners, err := projsecret.ParseOwners(strings.Join(fields, ","))
	if err != nil {
		s.badForm(w, r, project, "", err)
		return
	}
	s.finish(w, r, c.SetOwners(r.Context(), project, owners), projectPath(c.Namespace(), project))
}

// reveal answers a POST (CSRF-checked, never cached, never in a URL) with
// the value alone, as the page's script asks for it on demand.
func (s *Server) reveal(w http.ResponseWriter, r *http.Request) {
	c, project, key, ok := s.inEntry(w, r)
	if !ok {
		return
	}
	value, err := c.Read(r.Context(), project, key)
	if err != nil {
		s.fail(w, r, 0, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "attachment")
	_, _ = w.Write(value)
}

// formValue is the value from the uploaded file if one was chosen, else
// from the text field. Browsers send a text area's line breaks as CRLF
// whatever was typed; they are stored as LF. A file is stored byte for byte.
func formValue(r *http.Request) ([]byte, error) {
	if r.MultipartForm != nil {
		if files := r.MultipartForm.File["file"]; len(files) > 0 && files[0].Filename != "" {
			f, err := files[0].Open()
			if err != nil {
				return nil, fmt.Errorf("reading the uploaded file: %w", err)
			}
			defer f.Close()
			b, err := io.ReadAll(f)
			if err != nil {
				return nil, fmt.Errorf("reading the uploaded file: %w", err)
			}
			return b, nil
		}
	}
	if !r.Form.Has("value") {
		return nil, errors.New("no value: type or paste one, or choose a file")
	}
	return []byte(strings.ReplaceAll(r.FormValue("value"), "\r\n", "\n")), nil
}

// labelChange reads KEY=VALUE lines (or commas) and returns the labels to
// set and, of those in before, the ones no longer listed.
func labelChange(before, after string) (map[string]string, []string, error) {
	old, err := parseLabels(before)
	if err != nil {
		return nil, nil, err
	}
	set, err := parseLabels(after)
	if err != nil {
		return nil, nil, err
	}
	var remove []string
	for k := range old {
		if _, ok := set[k]; !ok {
			remove = append(remove, k)
		}
	}
	slices.Sort(remove)
	return set, remove, nil
}

func parseLabels(text string) (map[string]string, error) {
	var set map[string]string
	for _, item := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok {
			return nil, fmt.Errorf("label %q is invalid: expected KEY=VALUE, one per line", item)
		}
		if err := projsecret.ValidateLabel(k, v); err != nil {
			return nil, err
		}
		if set == nil {
			set = map[string]string{}
		}
		set[k] = v
	}
	return set, nil
}

func validNamespace(ns string) string {
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return fmt.Sprintf("namespace %q is invalid: %s", ns, strings.Join(errs, "; "))
	}
	return ""
}

func nsPath(ns string) string { return "/ns/" + url.PathEscape(ns) + "/" }

func projectPath(ns, project string) string {
	return nsPath(ns) + "p/" + url.PathEscape(project) + "/"
}

func entryPath(ns, project, key string) string {
	return projectPath(ns, project) + "e/" + url.PathEscape(key)
}

// wantsJSON: the page's script sends actions with fetch and shows the
// answer in place; a form sent without script gets a redirect or a page.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func (s *Server) done(w http.ResponseWriter, r *http.Request, next string) {
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"redirect": next})
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// fail reports err where the action was taken: as JSON for the script to
// show beside the form, or as an error page. status 0 derives it from err.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, err any) {
	msg := fmt.Sprint(err)
	if e, ok := err.(error); ok {
		status, msg = describe(status, e)
	}
	msg = projsecret.Printable(msg)
	if wantsJSON(r) {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	s.errorPage(w, r, r.PathValue("ns"), status, msg)
}

// describe turns an error into a status and a sentence: the API server's
// and the webhook's own words, with what kind of refusal it was in front.
func describe(status int, err error) (int, string) {
	msg := oneLine(err.Error())
	var v *projsecret.Violation
	switch {
	case status != 0:
	case errors.As(err, &v):
		status = http.StatusUnprocessableEntity
	case strings.Contains(msg, "admission webhook"):
		status = http.StatusForbidden
		msg = "Refused by the cluster's admission webhook: " + msg
	case apierrors.IsForbidden(err):
		status = http.StatusForbidden
		msg = "Missing permission: " + msg
	case apierrors.IsUnauthorized(err):
		status = http.StatusUnauthorized
		msg = "The cluster did not accept your credentials: " + msg
	case errors.Is(err, projsecret.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, projsecret.ErrExists), apierrors.IsConflict(err):
		status = http.StatusConflict
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err):
		status = http.StatusUnprocessableEntity
	default:
		status = http.StatusBadGateway
	}
	return status, msg
}

// oneLine joins the webhook's one-violation-per-line messages.
func oneLine(s string) string {
	var kept []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "; ")
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, ns string, status int, msg string) {
	if validNamespace(ns) != "" {
		ns = s.client.Namespace()
	}
	p := s.newPage(r, http.StatusText(status), ns)
	p.Status, p.Message = status, msg
	s.render(w, "error", status, p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"nsPath":      nsPath,
		"projectPath": projectPath,
		"rfc3339":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"projects", "project", "entry", "error", "restart"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render executes into memory first, so a template error is a clean 500
// instead of half a page.
func (s *Server) render(w http.ResponseWriter, name string, status int, p page) {
	var b strings.Builder
	if err := s.pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
		refuse(w, http.StatusInternalServerError, "rendering the page: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, b.String())
}
