// Package version holds what the build stamps into the binaries through
// -ldflags "-X github.com/projsecret/projsecret/internal/version.Version=…".
package version

import "runtime"

var (
	Version = "v0.0.0-dev"
	Commit  = "unknown"
)

// GoVersion is the Go toolchain the binary was built with.
func GoVersion() string { return runtime.Version() }
