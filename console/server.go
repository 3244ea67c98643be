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
//
// The URL's token opens one session and is spent: the URL reaches a
// browser's command line, which every local user can read, so a replay
// must not open a second one. Whoever uses a token first wins, and the
// other side is told the URL was already used: if that is the user, they
// know someone else has it. Sessions end after an idle time and a fixed
// lifetime, and only a bounded number live at once; NewURL prints the way
// back in.
package console

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
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

const (
	// DefaultSessionTimeout is how long a session lasts without a request
	// unless Options say otherwise.
	DefaultSessionTimeout = time.Hour
	// SessionLifetime is the most a session lasts, however busy: a working
	// day and then some, so a console left open overnight, or a cookie
	// copied out of a browser, stops acting as the user by the next
	// morning. It is fixed rather than a flag: the idle timeout is the knob
	// people need, and getting back in is one key press.
	SessionLifetime = 12 * time.Hour
	// maxSessions bounds the sessions alive at once; opening one more
	// ends the one used least recently. Every session costs a printed URL
	// that the user asked for, so the bound is only ever reached by someone
	// who keeps asking, and it keeps memory flat whatever they do.
	maxSessions = 16
	// maxSpent bounds the spent tokens remembered to tell a replayed URL
	// (403, "already used") from a wrong one (401).
	maxSpent = 64
)

// Options tune a Server; the zero value is the default.
type Options struct {
	// SessionTimeout ends a session after this long without a request:
	// DefaultSessionTimeout if 0. A session ends after SessionLifetime in
	// any case.
	SessionTimeout time.Duration
	// NewURLHint tells the user how to get a new URL, in the answer to a
	// spent token or an expired session ("press Enter in ...").
	NewURLHint string
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// Server is the console for one kubeconfig identity. It is an http.Handler.
type Server struct {
	client     *store.Client
	port       int
	boundIP    net.IP
	cookieName string
	handler    http.Handler

	idle time.Duration
	hint string
	now  func() time.Time

	mu sync.Mutex
	// token opens the next session; "" once it has. spent holds the
	// SHA-256 of tokens that opened one, oldest first.
	token string
	spent []spentToken
	// sessions are keyed by the SHA-256 of their cookie's id: the lookup
	// compares hashes, which an attacker cannot steer byte by byte.
	sessions map[[sha256.Size]byte]*sessionState
}

type sessionState struct {
	csrf              string
	created, lastSeen time.Time
}

// New returns the console for client, whose namespace is the one shown
// first, serving on addr (the listener's address: the Host check and the
// printed URL derive from it).
func New(client *store.Client, addr *net.TCPAddr, opts Options) (*Server, error) {
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	// A broken template fails here, when the console starts, rather than
	// on the first page.
	if _, err := pages(); err != nil {
		return nil, err
	}
	if _, err := assets(); err != nil {
		return nil, err
	}
	s := &Server{
		client:  client,
		port:    addr.Port,
		boundIP: addr.IP,
		token:   token,
		// Cookies are not isolated by port: two consoles on one machine
		// must not overwrite each other's session.
		cookieName: "projsecret_session_" + strconv.Itoa(addr.Port),
		sessions:   map[[sha256.Size]byte]*sessionState{},
		idle:       cmp.Or(opts.SessionTimeout, DefaultSessionTimeout),
		hint:       cmp.Or(opts.NewURLHint, "restart kubectl projsecret ui"),
		now:        opts.Now,
	}
	if s.now == nil {
		// Wall-clock time: Go's monotonic clock stops while the machine
		// sleeps, so a session would outlive a suspended night.
		s.now = func() time.Time { return time.Now().Round(0) }
	}
	s.handler = s.routes()
	return s, nil
}

// URL is the address to open, with the token that starts a session. It is
// printed once and never logged. Once that token has opened a session, the
// URL opens no other: NewURL makes a new one.
func (s *Server) URL() string {
	s.mu.Lock()
	token := s.token
	s.mu.Unlock()
	return s.urlWith(token)
}

// NewURL makes a new token, which replaces any unused one, and returns the
// URL that carries it.
func (s *Server) NewURL() (string, error) {
	token, err := randomToken()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.token = token
	s.mu.Unlock()
	return s.urlWith(token), nil
}

func (s *Server) urlWith(token string) string {
	host := "127.0.0.1"
	if s.boundIP != nil && !s.boundIP.IsUnspecified() {
		host = s.boundIP.String()
	}
	return (&url.URL{Scheme: "http", Host: net.JoinHostPort(host, strconv.Itoa(s.port)), Path: "/", RawQuery: "token=" + token}).String()
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
	session, msg := s.session(r)
	if msg != "" {
		refuse(w, http.StatusUnauthorized, msg)
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
