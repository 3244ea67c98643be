package plugin

import (
	"encoding/json"
	"fmt"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/internal/version"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"
)

// versionOptions prints what the build stamped into the binary.
type versionOptions struct {
	genericiooptions.IOStreams
	Output string
}

type versionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"goVersion"`
}

func newVersionCmd(streams genericiooptions.IOStreams) *cobra.Command {
	o := &versionOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:               "version",
		Short:             "Print the plugin's version, commit and Go version",
		Args:              argsBetween(0, 0),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(cmd); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml. The default is one line of text.")
	return cmd
}

// Validate checks the output format.
func (o *versionOptions) Validate(cmd *cobra.Command) error {
	switch o.Output {
	case "", "json", "yaml":
		return nil
	}
	return usageErrorf(cmd, "-o %s is not a known format: expected json or yaml", projsecret.Quote(o.Output))
}

// Run prints the version.
func (o *versionOptions) Run() error {
	info := versionInfo{Version: version.Version, Commit: version.Commit, GoVersion: version.GoVersion()}
	switch o.Output {
	case "json":
		b, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "%s\n", b)
	case "yaml":
		b, err := yaml.Marshal(info)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Out, "%s", b)
	default:
		fmt.Fprintf(o.Out, "kubectl-projsecret %s (commit %s, %s)\n", info.Version, info.Commit, info.GoVersion)
	}
	return nil
}
