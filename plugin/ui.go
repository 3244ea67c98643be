package plugin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/projsecret/projsecret/console"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// uiOptions serves the web console until interrupted.
type uiOptions struct {
	genericiooptions.IOStreams
	NewClient ClientFunc
	Address   string
	Port      int
	NoBrowser bool
	// OpenBrowser opens url in the user's browser; tests replace it.
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
which carries a secret token, on a line of its own: whoever opens it acts
as you, so do not share it. Ctrl-C stops it.`,
		Example: `  kubectl projsecret ui
  kubectl projsecret ui -n team-a --port 8443 --no-browser`,
		Args:              argsBetween(0, 0),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE:              runE(o),
	}
	cmd.Flags().StringVar(&o.Address, "address", "127.0.0.1", "The IP address to listen on. Anything but loopback exposes the console to the network (the token still guards it).")
	cmd.Flags().IntVar(&o.Port, "port", 0, "The port to listen on; 0 picks a free one.")
	cmd.Flags().BoolVar(&o.NoBrowser, "no-browser", false, "Only print the URL; do not open a browser.")
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
	return nil
}

// Run listens, prints the URL, opens the browser and serves until the
// context ends or the process gets SIGINT or SIGTERM.
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
	srv, err := console.New(client, addr)
	if err != nil {
		l.Close()
		return err
	}
	if !addr.IP.IsLoopback() {
		fmt.Fprintf(o.ErrOut, "Warning: the console listens on %s, which is not loopback: anyone who can reach it and learns the URL acts as you\n", addr)
	}
	fmt.Fprintf(o.ErrOut, "Serving the console of namespace %q; press Ctrl-C to stop.\n", client.Namespace())
	fmt.Fprintln(o.Out, srv.URL())

	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(l) }()
	if !o.NoBrowser {
		if err := o.OpenBrowser(srv.URL()); err != nil {
			fmt.Fprintf(o.ErrOut, "Warning: could not open a browser (%v): open the URL above yourself\n", err)
		}
	}
	select {
	case err := <-served:
		return fmt.Errorf("serving the console: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stopping the console: %w", err)
	}
	fmt.Fprintln(o.ErrOut, "Console stopped.")
	return nil
}

// openBrowser hands url to the desktop's opener. The URL goes in argv,
// which other local users can see in the process list for the moment the
// opener runs; the token only opens a session on loopback, as this user.
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
