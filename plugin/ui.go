package plugin

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/projsecret/projsecret/console"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// uiOptions serves the web console until interrupted.
type uiOptions struct {
	genericiooptions.IOStreams
	NewClient      ClientFunc
	Address        string
	Port           int
	NoBrowser      bool
	SessionTimeout time.Duration
	// OpenBrowser opens url (a launchPage) in the user's browser; tests
	// replace it.
	OpenBrowser func(url string) error

	listenAddr string
}

func newUICmd(streams genericiooptions.IOStreams, newClient ClientFunc) *cobra.Command {
	o := &uiOptions{IOStreams: streams, NewClient: newClient, OpenBrowser: openBrowser}
	cmd := &cobra.Command{
		Use:   "ui",
		Short: "Open a web console for the projects of a namespace",
		Long: `Serve a web console on this machine and open it in the default browser:
projects, entries with their metadata, values revealed on demand, and every
write the other commands can make. It acts with your kubeconfig credentials
(the connection flags, --as included), so it can do exactly what you can.

It listens on 127.0.0.1 unless --address says otherwise, and prints its URL,
which carries a secret token, on a line of its own; the browser is opened
on a private local page that leads there, so the token is in no command
line. The URL opens one session and is then spent: opened again it says it
was already used, and the session it opened ends.
For a new URL press Enter in this terminal, or send the process SIGUSR1
(kill -USR1 PID; not on Windows). A session ends after --session-timeout
without a request, and 12h after it opened in any case. Ctrl-C stops it.`,
		Example: `  kubectl projsecret ui
  kubectl projsecret ui -n team-a --port 8443 --no-browser`,
		Args:              argsBetween(0, 0),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE:              runE(o),
	}
	cmd.Flags().StringVar(&o.Address, "address", "127.0.0.1", "The IP address to listen on. Anything but loopback exposes the console to the network (the token still guards it).")
	cmd.Flags().IntVar(&o.Port, "port", 0, "The port to listen on; 0 picks a free one.")
	cmd.Flags().BoolVar(&o.NoBrowser, "no-browser", false, "Only print the URL; do not open a browser.")
	cmd.Flags().DurationVar(&o.SessionTimeout, "session-timeout", console.DefaultSessionTimeout,
		fmt.Sprintf("End a session after this long without a request (at most %v, a session's lifetime).", console.SessionLifetime))
	return cmd
}

// Complete joins address and port.
func (o *uiOptions) Complete(*cobra.Command, []string) error {
	o.listenAddr = net.JoinHostPort(o.Address, strconv.Itoa(o.Port))
	return nil
}

// Validate checks the address is an IP (a host name could resolve anywhere)
// and the port is one.
func (o *uiOptions) Validate(cmd *cobra.Command) error {
	if o.Address != "localhost" && net.ParseIP(o.Address) == nil {
		return usageErrorf(cmd, "--address %q is not an IP address: expected one such as 127.0.0.1 or ::1", o.Address)
	}
	if o.Port < 0 || o.Port > 65535 {
		return usageErrorf(cmd, "--port %d is out of range: expected 0 (any free port) to 65535", o.Port)
	}
	if o.SessionTimeout <= 0 || o.SessionTimeout > console.SessionLifetime {
		return usageErrorf(cmd, "--session-timeout %v is out of range: expected more than 0 and at most %v, a session's lifetime", o.SessionTimeout, console.SessionLifetime)
	}
	return nil
}

// Run listens, prints the URL, opens the browser and serves until the
// context ends or the process gets SIGINT or SIGTERM; meanwhile each Enter
// on a terminal and each renewal signal prints a new URL.
func (o *uiOptions) Run(ctx context.Context) error {
	client, err := o.NewClient()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	l, err := net.Listen("tcp", o.listenAddr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", o.listenAddr, err)
	}
	addr := l.Addr().(*net.TCPAddr)
	term, onTerminal := asTerminal(o.In)
	hint := newURLHint(onTerminal)
	srv, err := console.New(client, addr, console.Options{SessionTimeout: o.SessionTimeout, NewURLHint: hint})
	if err != nil {
		l.Close()
		return err
	}
	if !addr.IP.IsLoopback() {
		fmt.Fprintf(o.ErrOut, "Warning: the console listens on %s, which is not loopback: anyone who can reach it and learns the URL acts as you\n", addr)
	}
	// Ask before printing: a request right after the URL must not end
	// the process (SIGUSR1's default action).
	renew := make(chan os.Signal, 1)
	if sigs := renewSignals(); len(sigs) > 0 {
		signal.Notify(renew, sigs...)
		defer signal.Stop(renew)
	}
	fmt.Fprintf(o.ErrOut, "Serving the console of namespace %q. The URL below opens one session; for a new URL, %s. Ctrl-C stops it.\n", client.Namespace(), hint)
	// Taken once: the token may be spent by the time the browser opens.
	first := srv.URL()
	fmt.Fprintln(o.Out, first)
	enter := make(chan struct{}, 1)
	if onTerminal {
		go readEnters(term, enter)
	}

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(l) }()
	if !o.NoBrowser {
		page, remove, err := launchPage(first)
		defer remove()
		if err == nil {
			err = o.OpenBrowser(page)
		}
		if err != nil {
			fmt.Fprintf(o.ErrOut, "Warning: could not open a browser (%v): open the URL above yourself\n", err)
		}
	}
serve:
	for {
		select {
		case err := <-served:
			return fmt.Errorf("serving the console: %w", err)
		case <-ctx.Done():
			break serve
		case <-enter:
		case <-renew:
		}
		u, err := srv.NewURL()
		if err != nil {
			fmt.Fprintf(o.ErrOut, "Warning: no new URL: %v\n", err)
			continue
		}
		fmt.Fprintln(o.ErrOut, "A new URL, for one session (the one printed before no longer opens any):")
		fmt.Fprintln(o.Out, u)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stopping the console: %w", err)
	}
	fmt.Fprintln(o.ErrOut, "Console stopped.")
	return nil
}

// readEnters sends on enter for each line read from the terminal, until
// reading fails (end of input; or, on Unix, a console run in the
// background, whose reads fail instead of stopping it: see
// ignoreBackgroundReads). Nothing typed is kept or echoed back.
func readEnters(term io.Reader, enter chan<- struct{}) {
	ignoreBackgroundReads()
	sc := bufio.NewScanner(term)
	for sc.Scan() {
		select {
		case enter <- struct{}{}:
		default: // a new URL is already on its way
		}
	}
}

// newURLHint says how to get a new URL, for the console's pages and the
// first line on stderr.
func newURLHint(onTerminal bool) string {
	var ways []string
	if onTerminal {
		ways = append(ways, "press Enter in the terminal where kubectl projsecret ui runs")
	}
	if len(renewSignals()) > 0 {
		ways = append(ways, fmt.Sprintf("send it SIGUSR1 (kill -USR1 %d)", os.Getpid()))
	}
	if len(ways) == 0 {
		return "stop kubectl projsecret ui and start it again"
	}
	return strings.Join(ways, ", or ")
}

// openBrowser hands url to the desktop's opener. The URL goes in argv,
// where every local user can read it (/proc/PID/cmdline), so Run passes a
// launchPage's file:// URL, never the console's tokened one.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	// Reap it in the background: some openers wait for the browser.
	go func() { _ = cmd.Wait() }()
	return nil
}
