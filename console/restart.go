package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
)

// restartView is the restart page: what restart --dry-run lists for the
// keys whose value just changed, with a button that restarts them, or,
// after that button, what became of each workload.
type restartView struct {
	Keys []string
	// Done: the report of a restart, not of a dry run.
	Done  bool
	Items []restartRow
	// Unlisted are the resources the user may not list.
	Unlisted []string
	// Pending counts the workloads a restart would roll; Failed the
	// restarts refused.
	Pending, Failed int
	Back            string
}

type restartRow struct {
	Kind, Name, Reads, Action, Detail string
	// Class marks the row: failed or skipped.
	Class string
}

// restartPath is the page offering to restart the readers of keys.
func restartPath(ns, project string, keys []string) string {
	q := url.Values{"key": keys}
	return projectPath(ns, project) + "restart?" + q.Encode()
}

// restartKeys are the keys a restart page or action is for: at least one,
// each a valid key. The console never restarts every reader of a project
// at once: it offers exactly the readers of what a write changed.
func restartKeys(r *http.Request) ([]string, error) {
	keys := r.Form["key"]
	if len(keys) == 0 {
		return nil, errors.New("no key: the restart page is for the keys whose value changed (key=KEY in the address)")
	}
	for _, k := range keys {
		if err := projsecret.ValidateKey(k); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// restartPage lists, as a dry run, the workloads that read the keys.
func (s *Server) restartPage(w http.ResponseWriter, r *http.Request) {
	s.restartAction(w, r, true)
}

// restart rolls them: one PATCH each, as kubectl rollout restart does. The
// value was written before this page was shown: a restart that fails is
// reported on its row and undoes nothing.
func (s *Server) restart(w http.ResponseWriter, r *http.Request) {
	s.restartAction(w, r, false)
}

func (s *Server) restartAction(w http.ResponseWriter, r *http.Request, dryRun bool) {
	c, ok := s.in(w, r)
	if !ok {
		return
	}
	project := r.PathValue("project")
	if err := r.ParseForm(); err != nil {
		s.badForm(w, r, project, "", err)
		return
	}
	keys, err := restartKeys(r)
	if err != nil {
		s.badForm(w, r, project, "", err)
		return
	}
	report, err := c.Restart(r.Context(), project, keys, dryRun)
	if err != nil {
		s.fail(w, r, 0, fmt.Errorf("the value is saved, but finding its readers failed: %w", err))
		return
	}
	p := s.newPage(r, "Restart readers · "+project, c.Namespace())
	p.Restart = restartReport(report, !dryRun)
	p.Restart.Back = projectPath(c.Namespace(), project)
	if len(keys) == 1 {
		p.Restart.Back = entryPath(c.Namespace(), project, keys[0])
	}
	s.render(w, r, "restart", http.StatusOK, p)
}

func restartReport(report *store.RestartReport, done bool) *restartView {
	v := &restartView{Keys: report.Keys, Done: done, Unlisted: report.Unlisted}
	for _, it := range report.Items {
		row := restartRow{Kind: it.Kind, Name: projsecret.Printable(it.Name), Action: string(it.Action), Detail: it.Reason}
		row.Reads = strings.Join(it.Reads.Keys, ", ")
		if it.Reads.All {
			row.Reads = "every key"
		}
		if len(it.Reads.How) > 0 {
			row.Reads += " (" + strings.Join(it.Reads.How, ", ") + ")"
		}
		switch it.Action {
		case store.WouldRestart:
			v.Pending++
		case store.RestartSkipped:
			row.Class = "skipped"
		case store.RestartFailed:
			v.Failed++
			row.Class = "failed"
			row.Detail = projsecret.Printable(projsecret.OneLine(it.Err.Error()))
		}
		v.Items = append(v.Items, row)
	}
	return v
}
