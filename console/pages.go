package console

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"k8s.io/apimachinery/pkg/util/duration"
)

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
	EntryCount  int
	EntryRows   template.HTML
	Entry       entryRow
	Owners      string
	OwnersInput string
	OwnersError string
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

// entryRow is one entry as its page shows it; the project page's rows
// are written by entryTable.
type entryRow struct {
	Key              string
	URL              string
	Description      string
	DescriptionInput string
	LabelsText       string // as stored, for the labels form
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
	slices.SortFunc(projects, func(a, b store.Project) int { return cmp.Compare(a.Name, b.Name) })
	p := s.newPage(r, "Projects in "+c.Namespace(), c.Namespace())
	now := c.Now()
	for _, pr := range projects {
		p.Projects = append(p.Projects, projectRow{
			Name: pr.Name, Entries: pr.Entries, Owners: projsecret.Printable(pr.Owners),
			Age: duration.HumanDuration(now.Sub(pr.Created.Time)), Created: pr.Created.UTC(),
		})
	}
	s.render(w, r, "projects", http.StatusOK, p)
}

func (s *Server) projectPage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.in(w, r)
	if !ok {
		return
	}
	project := r.PathValue("project")
	// The owners take one GET more, through the client, which parses
	// them; it runs beside the entries' GET, so the page waits for one.
	var (
		owners    projsecret.Owners
		ownersErr error
		read      = make(chan struct{})
	)
	go func() {
		defer close(read)
		owners, ownersErr = c.Owners(r.Context(), project)
	}()
	entries, err := c.List(r.Context(), project)
	<-read
	if err != nil {
		s.fail(w, r, 0, err)
		return
	}
	// A list the client cannot parse (written before owner names were
	// checked, or by hand) is shown as the reason, and the form starts
	// empty: saving it as it was stored would be refused anyway.
	var v *projsecret.Violation
	if err = ownersErr; err != nil && !errors.As(err, &v) {
		s.fail(w, r, 0, err)
		return
	}
	p := s.newPage(r, project, c.Namespace())
	if err != nil {
		p.OwnersError = projsecret.Printable(projsecret.OneLine(err.Error()))
	} else {
		p.OwnersInput = owners.String()
		p.Owners = projsecret.Printable(p.OwnersInput)
	}
	p.EntryCount, p.EntryRows = len(entries), entryTable(entries, c.Now())
	s.render(w, r, "project", http.StatusOK, p)
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
	s.render(w, r, "entry", http.StatusOK, p)
}

func row(ns, project string, e store.Entry, now time.Time) entryRow {
	r := entryRow{
		Key: e.Key, URL: entryPath(ns, project, e.Key),
		Description: projsecret.Printable(e.Description), DescriptionInput: e.Description,
		SizeText:  size(e.Size),
		UpdatedAt: e.UpdatedAt, UpdatedBy: projsecret.Printable(e.UpdatedBy),
		CreatedAt: e.CreatedAt, CreatedBy: projsecret.Printable(e.CreatedBy),
	}
	if !e.UpdatedAt.IsZero() {
		r.UpdatedAgo = duration.HumanDuration(now.Sub(e.UpdatedAt)) + " ago"
	}
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(e.Labels)) {
		lines = append(lines, k+"="+e.Labels[k])
	}
	r.LabelsText = strings.Join(lines, "\n")
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

// pages are the templates, parsed on first use: only ui serves them, and
// the plugin's other commands should not pay for parsing them at start-up.
var pages = sync.OnceValues(parsePages)

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
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, status int, p page) {
	var b bytes.Buffer
	templates, err := pages()
	if err == nil {
		err = templates[name].ExecuteTemplate(&b, "layout", p)
	}
	if err != nil {
		refuse(w, http.StatusInternalServerError, "rendering the page: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	writeBody(w, r, status, b.Bytes(), nil)
}
