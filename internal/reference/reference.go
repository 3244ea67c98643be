// Package reference writes the plugin's command reference (Markdown for
// docs/commands, man pages for the release archives) from the cobra tree,
// with cobra's own generator, so that the reference cannot drift from the
// help text. It lives apart from plugin/ so that the plugin binary does not
// link the Markdown and man-page renderers.
package reference

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/projsecret/projsecret/plugin"
)

// command is the plugin's root command as a user sees it, with defaults that
// depend on the machine (the kubeconfig cache under $HOME) written as
// $HOME, so that the reference is the same wherever it is generated.
func command() *cobra.Command {
	cmd := plugin.NewCmd(genericiooptions.NewTestIOStreamsDiscard(), nil)
	cmd.DisableAutoGenTag = true
	home, _ := os.UserHomeDir()
	// cli-runtime takes the cache directory's default from $KUBECACHEDIR
	// when it is set; the reference documents the default without it.
	cacheDir := os.Getenv("KUBECACHEDIR")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, fs := range []*pflag.FlagSet{c.LocalFlags(), c.PersistentFlags(), c.InheritedFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if cacheDir != "" && f.DefValue == cacheDir {
					f.DefValue = "$HOME/.kube/cache"
				} else if home != "" && strings.HasPrefix(f.DefValue, home) {
					f.DefValue = "$HOME" + strings.TrimPrefix(f.DefValue, home)
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
	return cmd
}

// Markdown writes one Markdown file per command into dir.
func Markdown(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return doc.GenMarkdownTree(command(), dir)
}

// ManPages writes one man page per command into dir, in section 1, dated
// date (the release's commit time, so that two builds of a release carry
// the same pages).
func ManPages(dir string, date time.Time) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	date = date.UTC()
	header := &doc.GenManHeader{Title: "KUBECTL-PROJSECRET", Section: "1", Source: "projsecret", Manual: "kubectl projsecret", Date: &date}
	return doc.GenManTree(command(), header, dir)
}

// Stale names the files of dir that differ from what Markdown writes now,
// are missing, or are left over from a command that no longer exists.
func Stale(dir string) ([]string, error) {
	fresh, err := os.MkdirTemp("", "projsecret-reference-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(fresh)
	if err := Markdown(fresh); err != nil {
		return nil, err
	}
	want, err := readDir(fresh)
	if err != nil {
		return nil, err
	}
	have, err := readDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var stale []string
	for name, content := range want {
		if old, ok := have[name]; !ok || !bytes.Equal(old, content) {
			stale = append(stale, name)
		}
	}
	for name := range have {
		if _, ok := want[name]; !ok {
			stale = append(stale, name)
		}
	}
	return stale, nil
}

func readDir(dir string) (map[string][]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".md" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		files[e.Name()] = b
	}
	return files, nil
}
