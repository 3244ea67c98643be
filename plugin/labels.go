package plugin

import (
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
)

// parseLabels reads --label arguments: KEY=VALUE sets a label and, where
// removal is allowed, KEY- removes one. Each label is checked by the
// contract here, so a typo fails before anything is sent.
func parseLabels(cmd *cobra.Command, args []string, allowRemove bool) (set map[string]string, remove []string, err error) {
	expected := "KEY=VALUE"
	if allowRemove {
		expected = "KEY=VALUE, or KEY- to remove a label"
	}
	for _, arg := range args {
		k, v, hasValue := strings.Cut(arg, "=")
		switch {
		case hasValue:
			if err := projsecret.ValidateLabel(k, v); err != nil {
				return nil, nil, usageErrorf(cmd, "--label %s: %v", projsecret.Quote(arg), err)
			}
			if set == nil {
				set = map[string]string{}
			}
			set[k] = v
		case allowRemove && strings.HasSuffix(arg, "-") && len(arg) > 1:
			k = strings.TrimSuffix(arg, "-")
			if err := projsecret.ValidateLabel(k, ""); err != nil {
				return nil, nil, usageErrorf(cmd, "--label %s: %v", projsecret.Quote(arg), err)
			}
			remove = append(remove, k)
		default:
			return nil, nil, usageErrorf(cmd, "--label %s is invalid: expected %s", projsecret.Quote(arg), expected)
		}
	}
	for _, k := range remove {
		if _, ok := set[k]; ok {
			return nil, nil, usageErrorf(cmd, "--label sets and removes %s: expected one or the other", projsecret.Quote(k))
		}
	}
	return set, remove, nil
}
