package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
)

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

func (s *Server) create(w http.ResponseWriter, r *http.Request, c *store.Client, project string) {
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
	meta := store.MetaChange{Description: &description, SetLabels: set}
	if err := expiryChange(r, c.Now(), &meta); err != nil {
		s.badForm(w, r, project, key, err)
		return
	}
	_, err = c.Create(r.Context(), project, key, value, store.PutOptions{Meta: meta})
	s.finish(w, r, err, projectPath(c.Namespace(), project))
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
	// A changed value's readers are offered a restart next; the same
	// bytes put again change nothing to restart for.
	res, err := c.Set(r.Context(), project, key, value, store.PutOptions{})
	next := entryPath(c.Namespace(), project, key)
	if err == nil && res.ValueChanged {
		next = restartPath(c.Namespace(), project, []string{key})
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
	var change store.MetaChange
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
