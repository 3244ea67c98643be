// Command kubectl-projsecret is the kubectl plugin behind "kubectl projsecret".
package main

import (
	"context"
	"os"

	"github.com/projsecret/projsecret/plugin"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func main() {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	os.Exit(plugin.Main(context.Background(), os.Args[1:], streams))
}
