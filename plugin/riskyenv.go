package plugin

import (
	"maps"
	"slices"
	"strings"
)

// Variables that make a program load code, run a command, or read its
// configuration (which can name commands) from somewhere else. run warns
// when a project sets one: entries are written by everyone with Secret
// access in the namespace. A list cannot be complete; it names what the
// common tools read, and the prefixes and suffixes catch families that
// grow (git alone reads dozens of GIT_ variables, among them GIT_CONFIG_*,
// GIT_DIR and GIT_SSH_COMMAND, any of which can make it run a program).
var (
	riskyExact = []string{
		// Shells and the command search.
		"PATH", "PATHEXT", "COMSPEC", "IFS", "ENV", "BASH_ENV", "SHELLOPTS", "BASHOPTS",
		"PROMPT_COMMAND", "PS1", "PS2", "PS4", "SHELL", "CDPATH", "INPUTRC",
		// Where configuration (and so the commands it names) is read from.
		"HOME", "ZDOTDIR", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "KUBECONFIG",
		"DOCKER_CONFIG", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
		"GOOGLE_APPLICATION_CREDENTIALS", "GNUPGHOME", "CURL_HOME", "WGETRC",
		// Programs that other programs start.
		"PAGER", "MANPAGER", "SYSTEMD_PAGER", "LESSOPEN", "LESSCLOSE",
		"EDITOR", "VISUAL", "KUBE_EDITOR", "KUBECTL_EXTERNAL_DIFF", "BROWSER",
		"SSH_ASKPASS", "SUDO_ASKPASS", "CC", "CXX", "RUSTC", "RUSTC_WRAPPER",
		"GOFLAGS", "GOTOOLCHAIN",
		// Interpreters' and runtimes' code paths and startup hooks.
		"NODE_PATH", "PERL5OPT", "PERL5LIB", "PERLLIB", "PERL5DB",
		"RUBYOPT", "RUBYLIB", "GEM_HOME", "GEM_PATH", "BUNDLE_GEMFILE",
		"CLASSPATH", "DOTNET_STARTUP_HOOKS", "PHPRC", "PHP_INI_SCAN_DIR",
		"LUA_INIT", "LUA_PATH", "LUA_CPATH", "TCLLIBPATH",
		"R_PROFILE", "R_PROFILE_USER", "R_ENVIRON", "R_ENVIRON_USER",
		"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONFIG_FILE",
		// The C library's loader and modules.
		"GCONV_PATH", "GLIBC_TUNABLES", "LOCPATH", "NLSPATH", "HOSTALIASES",
		// Shell prompts and hooks run when a prompt or menu is shown, and
		// the editor fc starts; zsh's function search path.
		"PS0", "PS3", "FCEDIT", "FPATH",
		// make, vi and the rest read commands from these.
		"MAKEFLAGS", "MAKEFILES", "GNUMAKEFLAGS", "VIMINIT", "EXINIT", "GVIMINIT", "MYVIMRC",
		"HGRCPATH", "PSModulePath", "KUBERC", "KREW_ROOT", "TMPDIR",
		"OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES",
		// Toolchains' flags and where they fetch code from.
		"RUSTFLAGS", "GOENV", "GOROOT", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOINSECURE",
		// Which daemon or bus receives commands.
		"DOCKER_HOST", "CONTAINER_HOST", "DBUS_SESSION_BUS_ADDRESS",
		// Which certificates are trusted.
		"SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
	}
	// Proxies: where traffic (credentials included) goes. Programs read
	// these in either case, so they are matched regardless of case
	// everywhere.
	riskyAnyCase  = []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}
	riskyPrefixes = []string{
		"LD_", "DYLD_", "GIT_", "PYTHON", "NPM_CONFIG_", "npm_config_", "COR_", "CORECLR_",
		"CARGO_", "CGO_", "PIP_", "HELM_", "XDG_",
	}
	// JAVA_TOOL_OPTIONS, _JAVA_OPTIONS, JDK_JAVA_OPTIONS, NODE_OPTIONS,
	// MAVEN_OPTS, GRADLE_OPTS, JAVA_OPTS, CATALINA_OPTS and the like: a
	// runtime's or launcher's extra command-line options, agents included;
	// and the programs a tool starts (GIT_EDITOR, SYSTEMD_PAGER, ...).
	riskySuffixes = []string{"_OPTIONS", "_OPTS", "_EDITOR", "_PAGER", "_ASKPASS", "_BROWSER"}
)

// riskyNames sorts the variables among vars that deserve a warning before
// a command runs with them: risky are those that change what it loads or
// runs (the table above); replaced are the others that override a variable
// of inherited (KEY=VALUE, as os.Environ gives it), when override is set.
// On Windows names are matched regardless of case, as Windows does. It
// looks at names only, never at values.
func riskyNames(vars map[string][]byte, inherited []string, override bool, goos string) (risky, replaced []string) {
	canon := envNameCanon(goos)
	have := map[string]bool{}
	for _, kv := range inherited {
		name, _, _ := strings.Cut(kv, "=")
		have[canon(name)] = true
	}
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		switch {
		case isRiskyName(canon(name), canon):
			risky = append(risky, name)
		case override && have[canon(name)]:
			replaced = append(replaced, name)
		}
	}
	return risky, replaced
}

func isRiskyName(name string, canon func(string) string) bool {
	for _, n := range riskyExact {
		if name == canon(n) {
			return true
		}
	}
	for _, n := range riskyAnyCase {
		if strings.EqualFold(name, n) {
			return true
		}
	}
	for _, p := range riskyPrefixes {
		if strings.HasPrefix(name, canon(p)) {
			return true
		}
	}
	for _, s := range riskySuffixes {
		if strings.HasSuffix(name, canon(s)) {
			return true
		}
	}
	return false
}

// envNameCanon is how goos compares environment variable names: Windows
// ignores case, every other system compares bytes.
func envNameCanon(goos string) func(string) string {
	if goos == "windows" {
		return strings.ToUpper
	}
	return func(s string) string { return s }
}
