// Package console is the web front end of kubectl projsecret: a small web
// server the plugin runs on the user's own machine ("kubectl projsecret ui"),
// acting with the user's credentials through the contract's Client, so it can
// do exactly what the CLI can and nothing more.
//
// The page handles secrets in a browser that also has other sites open, so
// every request passes the same gate before it is routed: a Host check
// against DNS rebinding, a session that only the printed URL's token opens,
// a CSRF token and a same-origin Origin on every write, and headers that
// forbid framing, inline script, sniffing, referrers and caching.
package console

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/projsecret/projsecret"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Security headers sent with every response, the 401/403 refusals included.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// maxBody bounds a request body: a Secret holds at most 1 MiB of values,
// plus room for the form's other fields.
const maxBody = projsecret.MaxSecretDataBytes + 64<<10

// tokenBytes is the entropy of the URL token, session ids and CSRF tokens:
// 256 bits, twice what the issue requires.
const tokenBytes = 32

// Server is the console for one kubeconfig identity. It is an http.Handler.
type Server struct {
	client     *projsecret.Client
	port       int
	boundIP    net.IP
	token      string
	cookieName string
	pages      map[string]*template.Template
	static     http.Handler
	handler    http.Handler

	mu       sync.Mutex
	sessions map[string]string // session id -> that session's CSRF token
}

// New returns the console for client, whose namespace is the one shown
// first, serving on addr (the listener's address: the Host check and the
// printed URL derive from it).
func New(client *projsecret.Client, addr *net.TCPAddr) (*Server, error) {
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("console assets: %w", err)
	}
	s := &Server{
		client:  client,
		port:    addr.Port,
		boundIP: addr.IP,
		token:   token,
		// Cookies are not isolated by port: two consoles on one machine
		// must not overwrite each other's session.
		cookieName: "projsecret_session_" + strconv.Itoa(addr.Port),
		pages:      pages,
		static:     http.StripPrefix("/static/", http.FileServerFS(static)),
		sessions:   map[string]string{},
	}
	s.handler = s.routes()
	return s, nil
}

// URL is the address to open, with the token that starts a session. It is
// printed once and never logged.
func (s *Server) URL() string {
	host := "127.0.0.1"
	if s.boundIP != nil && !s.boundIP.IsUnspecified() {
		host = s.boundIP.String()
	}
	return (&url.URL{Scheme: "http", Host: net.JoinHostPort(host, strconv.Itoa(s.port)), Path: "/", RawQuery: "token=" + s.token}).String()
}

// ServeHTTP runs the security gate, in this order, then the routes: headers
// on every response; Host (403); session (token redirect, else cookie, else
// 401); CSRF and Origin on anything but GET and HEAD (403).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")

	if !s.hostAllowed(r.Host) {
		refuse(w, http.StatusForbidden, "this console only answers to the address it printed (Host header refused)")
		return
	}
	if tok, ok := r.URL.Query()["token"]; ok {
		s.startSession(w, r, tok)
		return
	}
	session, ok := s.session(r)
	if !ok {
		refuse(w, http.StatusUnauthorized, "no session: open the URL that kubectl projsecret ui printed, with its token")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if msg := s.checkWrite(r, session); msg != "" {
			refuse(w, http.StatusForbidden, msg)
			return
		}
	}
	s.handler.ServeHTTP(w, withSession(r, session))
}

// hostAllowed defends against DNS rebinding: a page from another site that
// resolves its own name to 127.0.0.1 still sends its own name as Host. Only
// localhost and IP literals with our port pass; when bound to a specific
// non-loopback address, only that one or loopback.
func (s *Server) hostAllowed(hostport string) bool {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || port != strconv.Itoa(s.port) {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return false
	case ip.IsLoopback():
		return true
	case s.boundIP == nil || s.boundIP.IsUnspecified():
		// Bound to every interface: any IP literal names this machine.
		return true
	default:
		return ip.Equal(s.boundIP)
	}
}

// startSession trades a valid URL token for a session cookie and redirects
// to the same URL without the token, so it leaves the address bar and the
// history. A wrong token is refused even with a valid cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, tok []string) {
	if len(tok) != 1 || subtle.ConstantTimeCompare([]byte(tok[0]), []byte(s.token)) != 1 {
		refuse(w, http.StatusUnauthorized, "wrong token: open the URL that kubectl projsecret ui printed")
		return
	}
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
	s.mu.Lock()
	s.sessions[id] = csrf
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName, Value: id, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	rest := r.URL.Query()
	rest.Del("token")
	target := url.URL{Path: r.URL.Path, RawQuery: rest.Encode()}
	http.Redirect(w, r, target.String(), http.StatusSeeOther)
}

// session is the id and CSRF token of the request's session, if its cookie
// names one.
type session struct{ id, csrf string }

func (s *Server) session(r *http.Request) (session, bool) {
	c, err := r.Cookie(s.cookieName)
	if err != nil {
		return session{}, false
	}
	s.mu.Lock()
	csrf, ok := s.sessions[c.Value]
	s.mu.Unlock()
	return session{id: c.Value, csrf: csrf}, ok
}

// checkWrite is the CSRF rule for every method but GET and HEAD: the
// session's token, in the X-CSRF-Token header (the page's script) or the
// csrf form field (a form sent without script), and an Origin, when the
// browser sends one, that is this console. It returns why it refuses, or "".
func (s *Server) checkWrite(r *http.Request, sess session) string {
	site := r.Header.Get("Sec-Fetch-Site")
	if site != "" && site != "same-origin" && site != "none" {
		return "cross-site request refused"
	}
	// Under Referrer-Policy: no-referrer a browser sends "Origin: null"
	// with a plain form post, even to its own origin; that is accepted only
	// when the browser's fetch metadata vouches for the origin.
	origin := r.Header.Get("Origin")
	if origin != "" && origin != "http://"+r.Host && (origin != "null" || site != "same-origin") {
		return "cross-origin request refused"
	}
	// Parsed here, before routing, with every part kept in memory (the
	// body is at most maxBody): values never go to temporary files.
	if err := r.ParseMultipartForm(maxBody); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return "unreadable form: " + err.Error()
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) != 1 {
		return "missing or wrong CSRF token: reload the page and try again"
	}
	return ""
}

func refuse(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

func randomToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
