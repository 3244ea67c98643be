package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/projsecret/projsecret/store"
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
	mux.HandleFunc("GET /static/{name}", s.serveStatic)
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
func (s *Server) in(w http.ResponseWriter, r *http.Request) (*store.Client, bool) {
	ns := r.PathValue("ns")
	if msg := validNamespace(ns); msg != "" {
		s.fail(w, r, http.StatusBadRequest, msg)
		return nil, false
	}
	return s.client.InNamespace(ns), true
}

// inEntry is in for the actions on one entry, with the project and key
// the path names.
func (s *Server) inEntry(w http.ResponseWriter, r *http.Request) (c *store.Client, project, key string, ok bool) {
	c, ok = s.in(w, r)
	return c, r.PathValue("project"), r.PathValue("key"), ok
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
