package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// startSession trades the URL's token, once, for a session cookie and
// redirects to the same URL without the token, so it leaves the address bar
// and the history. A wrong token is refused even with a valid cookie; a
// spent one is told apart, so that whoever finds it spent learns how to get
// a new URL, and that someone else may have used it.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, tok []string) {
	id, err := randomToken()
	if err != nil {
		refuse(w, http.StatusInternalServerError, err.Error())
		return
	}
	csrf, err := randomToken()
	if err != nil {
		refuse(w, http.StatusInternalServerError, err.Error())
		return
	}
	now := s.now()
	s.mu.Lock()
	valid := len(tok) == 1 && s.token != "" && subtle.ConstantTimeCompare([]byte(tok[0]), []byte(s.token)) == 1
	spent := false
	if !valid && len(tok) == 1 {
		h := sha256.Sum256([]byte(tok[0]))
		for _, old := range s.spent {
			if subtle.ConstantTimeCompare(h[:], old.token[:]) == 1 {
				// Whoever replays a spent URL may be its owner, raced by
				// another local process that read it first: the session
				// it opened ends, whoever holds it.
				spent = true
				delete(s.sessions, old.session)
			}
		}
	}
	if valid {
		s.token = ""
		key := sha256.Sum256([]byte(id))
		s.spent = append(s.spent, spentToken{token: sha256.Sum256([]byte(tok[0])), session: key})
		if len(s.spent) > maxSpent {
			s.spent = slices.Delete(s.spent, 0, len(s.spent)-maxSpent)
		}
		s.expireLocked(now)
		if len(s.sessions) >= maxSessions {
			s.evictLocked()
		}
		s.sessions[key] = &sessionState{csrf: csrf, created: now, lastSeen: now}
	}
	s.mu.Unlock()
	switch {
	case spent:
		refuse(w, http.StatusForbidden, "If you did not open this URL before, someone else on this machine did: stop the console (Ctrl-C). "+
			"This URL was already used, and the session it opened has now been ended: each URL that kubectl projsecret ui prints opens one session. "+
			"For a new URL, "+s.hint+".")
		return
	case !valid:
		refuse(w, http.StatusUnauthorized, "wrong token: open the URL that kubectl projsecret ui printed last (for a new one, "+s.hint+")")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName, Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	rest := r.URL.Query()
	rest.Del("token")
	// One leading slash: a path such as //host/x would otherwise redirect
	// to another site.
	target := url.URL{Path: "/" + strings.TrimLeft(r.URL.Path, "/"), RawQuery: rest.Encode()}
	http.Redirect(w, r, target.String(), http.StatusSeeOther)
}

// expired reports whether st has ended at now.
func (s *Server) expired(st *sessionState, now time.Time) bool {
	return now.Sub(st.lastSeen) >= s.idle || now.Sub(st.created) >= SessionLifetime
}

// expireLocked drops the sessions that have ended.
func (s *Server) expireLocked(now time.Time) {
	for k, st := range s.sessions {
		if s.expired(st, now) {
			delete(s.sessions, k)
		}
	}
}

// evictLocked ends the session used least recently.
func (s *Server) evictLocked() {
	var oldest [sha256.Size]byte
	var seen time.Time
	for k, st := range s.sessions {
		if seen.IsZero() || st.lastSeen.Before(seen) {
			oldest, seen = k, st.lastSeen
		}
	}
	delete(s.sessions, oldest)
}

// spentToken is a used URL token's hash and the session it opened.
type spentToken struct{ token, session [sha256.Size]byte }

// session is the id and CSRF token of the request's session.
type session struct{ id, csrf string }

// session finds the request's live session and marks it used, or says why
// there is none.
func (s *Server) session(r *http.Request) (session, string) {
	c, err := r.Cookie(s.cookieName)
	if err != nil {
		return session{}, "no session: open the URL that kubectl projsecret ui printed, with its token"
	}
	key := sha256.Sum256([]byte(c.Value))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.sessions[key]
	switch {
	case !ok:
		return session{}, "no session (it ended, or the console restarted): for a new URL, " + s.hint
	case s.expired(st, now):
		delete(s.sessions, key)
		return session{}, fmt.Sprintf("your session has expired (after %v without a request, or %v in all): for a new URL, %s", s.idle, SessionLifetime, s.hint)
	}
	st.lastSeen = now
	return session{id: c.Value, csrf: st.csrf}, ""
}
