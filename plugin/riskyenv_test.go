package plugin

import (
	"slices"
	"strings"
	"testing"
)

func TestRiskyNames(t *testing.T) {
	t.Parallel()
	risky := []string{
		// The list, and the families it names.
		"GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_GLOBAL",
		"GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXEC_PATH", "GIT_ASKPASS", "GIT_EDITOR", "GIT_PAGER",
		"GIT_PROXY_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_DIR",
		"PAGER", "MANPAGER", "EDITOR", "VISUAL", "KUBE_EDITOR",
		"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "NODE_OPTIONS", "MAVEN_OPTS", "GRADLE_OPTS",
		"PROMPT_COMMAND", "HOME", "KUBECONFIG", "BASH_ENV", "ENV", "IFS", "PATH",
		"PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PERL5OPT", "RUBYOPT",
		"LD_PRELOAD", "LD_LIBRARY_PATH", "DYLD_INSERT_LIBRARIES",
		// The second review's list.
		"MAKEFLAGS", "MAKEFILES", "GNUMAKEFLAGS", "VIMINIT", "EXINIT", "GVIMINIT", "MYVIMRC",
		"DBUS_SESSION_BUS_ADDRESS", "PS0", "PS3", "FPATH", "OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES",
		"HGRCPATH", "RUSTFLAGS", "GOENV", "GOROOT", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOINSECURE",
		"DOCKER_HOST", "CONTAINER_HOST", "PSModulePath", "KUBERC", "KREW_ROOT", "TMPDIR", "FCEDIT",
		"SVN_EDITOR", "SYSTEMD_PAGER", "GH_PAGER", "SSH_ASKPASS", "MY_ASKPASS", "GH_BROWSER",
		"CARGO_HOME", "CARGO_BUILD_RUSTC_WRAPPER", "CGO_CFLAGS", "CGO_LDFLAGS", "PIP_TRUSTED_HOST",
		"HELM_PLUGINS", "XDG_DATA_DIRS", "XDG_RUNTIME_DIR",
		"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
		"NO_PROXY", "no_proxy", "Https_Proxy",
		"SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
	}
	harmless := []string{"DB_PASSWORD", "API_KEY", "HOMEPAGE", "MY_PATH", "OPTIONS_FILE", "GITHUB_TOKEN", "pager", "path", "Home",
		"PROXY_URL", "HTTP_PROXY_PORT", "EDITOR_NAME", "CARGO", "tmpdir", "GOPATH_OLD", "PS5"}
	vars := map[string][]byte{}
	for _, n := range append(slices.Clone(risky), harmless...) {
		vars[n] = []byte("s3cr3t")
	}
	got, replaced := riskyNames(vars, nil, true, "linux")
	if want := slices.Sorted(slices.Values(risky)); !slices.Equal(got, want) {
		t.Errorf("linux: warned about %v\nwant %v", got, want)
	}
	if len(replaced) != 0 {
		t.Errorf("nothing inherited, yet %v replaced", replaced)
	}

	// Windows ignores case: "pager", "path" and "Home" are PAGER, PATH
	// and HOME there (and "tmpdir" TMPDIR), and are named as the project
	// spells them.
	got, _ = riskyNames(vars, nil, true, "windows")
	want := slices.Sorted(slices.Values(append(slices.Clone(risky), "pager", "path", "Home", "tmpdir")))
	if !slices.Equal(got, want) {
		t.Errorf("windows: warned about %v\nwant %v", got, want)
	}

	// An entry that overrides an inherited variable is named too, unless
	// --no-override keeps the inherited one; a risky name is named once.
	vars = map[string][]byte{"DB_HOST": []byte("s3cr3t"), "Db_Port": nil, "PATH": nil, "NEW": nil}
	inherited := []string{"DB_HOST=old", "DB_PORT=5432", "PATH=/usr/bin", "UNRELATED=x"}
	for _, tc := range []struct {
		goos     string
		override bool
		want     []string
	}{
		{"linux", true, []string{"DB_HOST"}},
		{"darwin", true, []string{"DB_HOST"}},
		{"windows", true, []string{"DB_HOST", "Db_Port"}},
		{"linux", false, nil},
		{"windows", false, nil},
	} {
		risky, replaced := riskyNames(vars, inherited, tc.override, tc.goos)
		if !slices.Equal(replaced, tc.want) || !slices.Equal(risky, []string{"PATH"}) {
			t.Errorf("%s, override %v: replaced %v, risky %v; want %v and [PATH]", tc.goos, tc.override, replaced, risky, tc.want)
		}
	}
}

// TestMergeEnvOnWindows: Path inherited and PATH from the project are one
// variable on Windows, so --no-override keeps the inherited one and the
// override replaces it, instead of leaving both for the child to choose.
func TestMergeEnvOnWindows(t *testing.T) {
	t.Parallel()
	vars := map[string][]byte{"PATH": []byte(`C:\evil`)}
	inherited := []string{`Path=C:\Windows`, "X=1"}
	if got := mergeEnv(inherited, vars, false, "windows"); !slices.Equal(got, inherited) {
		t.Errorf("no override: %d variables, names %v", len(got), names(got))
	}
	if got := mergeEnv(inherited, vars, true, "windows"); !slices.Equal(got, []string{"X=1", `PATH=C:\evil`}) {
		t.Errorf("override: %d variables, names %v", len(got), names(got))
	}
	if got := mergeEnv(inherited, vars, false, "linux"); len(got) != 3 {
		t.Errorf("linux: Path and PATH are two variables, got names %v", names(got))
	}
}

func names(env []string) []string {
	out := make([]string, len(env))
	for i, kv := range env {
		out[i], _, _ = strings.Cut(kv, "=")
	}
	return out
}
