package plugin

import (
	"strings"

	"github.com/projsecret/projsecret"
	"github.com/projsecret/projsecret/store"
	"github.com/spf13/cobra"
)

// metaFlags are --description and --label, for the commands that set an
// entry's metadata (create, import, meta).
type metaFlags struct {
	description string
	labels      []string
	// allowRemove accepts KEY- to remove a label (meta).
	allowRemove bool
}

func (f *metaFlags) addFlags(cmd *cobra.Command, descriptionUsage, labelUsage string) {
	cmd.Flags().StringVar(&f.description, "description", "", descriptionUsage)
	cmd.Flags().StringArrayVar(&f.labels, "label", nil, labelUsage)
}

// given reports whether either flag was given.
func (f *metaFlags) given(cmd *cobra.Command) bool {
	return cmd.Flags().Changed("description") || len(f.labels) > 0
}

// metaChange is the flags as a MetaChange, every part checked by the contract
// here, so that a typo fails before anything is read or sent. A
// description is changed only if --description was given ("" clears it).
func (f *metaFlags) metaChange(cmd *cobra.Command) (store.MetaChange, error) {
	var m store.MetaChange
	if cmd.Flags().Changed("description") {
		if err := projsecret.ValidateDescription(f.description); err != nil {
			return m, flagError(cmd, "--description", err)
		}
		m.Description = &f.description
	}
	var err error
	m.SetLabels, m.RemoveLabels, err = parseLabels(cmd, f.labels, f.allowRemove)
	return m, err
}

// flagError turns the contract's verdict on a flag's value (a
// *projsecret.Violation) into a usage error naming the flag: the rule and
// its wording stay the contract's.
func flagError(cmd *cobra.Command, flag string, violation error) error {
	return usageErrorf(cmd, "%s: %v", flag, violation)
}

// parseLabels reads --label arguments: KEY=VALUE sets a label and, where
// removal is allowed, KEY- removes one.
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
				return nil, nil, flagError(cmd, "--label "+projsecret.Quote(arg), err)
			}
			if set == nil {
				set = map[string]string{}
			}
			set[k] = v
		case allowRemove && strings.HasSuffix(arg, "-") && len(arg) > 1:
			k = strings.TrimSuffix(arg, "-")
			if err := projsecret.ValidateLabel(k, ""); err != nil {
				return nil, nil, flagError(cmd, "--label "+projsecret.Quote(arg), err)
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
