package console

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/projsecret/projsecret"
	"k8s.io/apimachinery/pkg/util/duration"
)

// historyRow is one revision of an entry as its page lists it: never a
// value.
type historyRow struct {
	Revision int
	Time     string
	Ago      string
	User     string
	Change   string
	// Restorable: the entry existed after this revision, with its value
	// kept, so it can be rolled back to it.
	Restorable bool
}

// historyRows lists the revisions that touch key, newest first.
func historyRows(revs []*projsecret.Revision, key string, now time.Time) []historyRow {
	rows := make([]historyRow, 0, len(revs))
	for _, r := range revs {
		ch, _ := r.Touches(key)
		rows = append(rows, historyRow{
			Revision: r.Revision, Time: r.Time.UTC().Format(time.RFC3339),
			Ago:  duration.HumanDuration(now.Sub(r.Time)) + " ago",
			User: r.User, Change: string(ch.Change),
			Restorable: ch.Change != projsecret.ChangeDeleted && !ch.Omitted,
		})
	}
	return rows
}

// rollback restores the entry as of the chosen revision. The form must
// repeat the revision in confirm: a confirmation that works with the
// keyboard and without script, as deleting does.
func (s *Server) rollback(w http.ResponseWriter, r *http.Request) {
	c, project, key, ok := s.inEntry(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.FormValue("revision"))
	if err != nil || n < 1 {
		s.badForm(w, r, project, key, errors.New("not restored: choose a revision (a number, 1 or more)"))
		return
	}
	if r.FormValue("confirm") != strconv.Itoa(n) {
		s.badForm(w, r, project, key, errors.New("not restored: type the revision number again to confirm"))
		return
	}
	// A changed value's readers are offered a restart next, as after a set.
	changed, err := c.Rollback(r.Context(), project, n, key)
	next := entryPath(c.Namespace(), project, key)
	if err == nil && len(changed) > 0 {
		next = restartPath(c.Namespace(), project, changed)
	}
	s.finish(w, r, err, next)
}
