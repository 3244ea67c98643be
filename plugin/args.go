package plugin

import (
	"context"
	"fmt"
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
)

// argsBetween checks the argument count. The message never repeats the
// arguments: a value typed where a key was expected must not be echoed.
func argsBetween(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= min && (max < 0 || len(args) <= max) {
			return nil
		}
		if max == 0 {
			return usageErrorf(cmd, "%s takes no arguments: got %s", cmd.Name(), plural(len(args), "argument"))
		}
		return usageErrorf(cmd, "%s takes %s: got %s", cmd.Name(), strings.TrimPrefix(cmd.Use, cmd.Name()+" "), plural(len(args), "argument"))
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// completeProjectKeys completes the project as the first argument and, when
// withKeys, existing keys after it, skipping keys already typed. Completion
// must stay quiet, so every failure just means no suggestions.
func completeProjectKeys(newClient ClientFunc, withKeys bool, maxArgs int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if maxArgs >= 0 && len(args) >= maxArgs {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		client, err := newClient()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		if len(args) == 0 {
			return projectNames(ctx, client), cobra.ShellCompDirectiveNoFileComp
		}
		if !withKeys {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		entries, err := client.List(ctx, args[0])
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		typed := map[string]bool{}
		for _, a := range args[1:] {
			typed[a] = true
		}
		var keys []cobra.Completion
		for _, e := range entries {
			if !typed[e.Key] {
				keys = append(keys, completionFor(e))
			}
		}
		return keys, cobra.ShellCompDirectiveNoFileComp
	}
}

// completionFor keeps a description to its first line, escaped: the
// completion protocol is one candidate per line, and the shell prints the
// description as it is.
func completionFor(e store.Entry) cobra.Completion {
	desc, _, _ := strings.Cut(e.Description, "\n")
	if desc = strings.TrimSpace(desc); desc == "" {
		return e.Key
	}
	return cobra.CompletionWithDesc(e.Key, projsecret.Printable(desc))
}

func projectNames(ctx context.Context, client *store.Client) []cobra.Completion {
	// Completion stays quiet: no warning about skipped Secrets.
	projects, err := client.Quiet().Projects(ctx, false)
	if err != nil {
		return nil
	}
	names := make([]cobra.Completion, 0, len(projects))
	for _, p := range projects {
		names = append(names, p.Name)
	}
	return names
}
