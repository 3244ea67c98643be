package plugin

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
)

// valueHelp is shared by the commands that take a value.
const valueHelp = `The value comes from exactly one of --from-file, --stdin or --from-literal.
With none of them, standard input must be a terminal: the value is then
prompted for without echo. A script must say where its value comes from
(--stdin for a pipe), so a forgotten flag cannot store an empty value.

Values are stored byte for byte: nothing is trimmed, so "echo s | ..." stores
"s" plus a newline (use printf). An empty value, from any source, is refused
unless --allow-empty is given, as a Secret may hold one.`

// valueSource is where a value comes from. The value itself is only ever
// held in memory and handed to the client: no message, error or log line
// includes it.
type valueSource struct {
	fromFile    string
	fromStdin   bool
	fromLiteral string
	allowEmpty  bool

	literalSet bool
}

func (v *valueSource) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&v.fromFile, "from-file", "", "Read the value from this file, byte for byte.")
	cmd.Flags().BoolVar(&v.fromStdin, "stdin", false, "Read the value from standard input up to end of input, byte for byte (never prompts).")
	cmd.Flags().StringVar(&v.fromLiteral, "from-literal", "", "Take the value from this argument. It is then visible in the process list and shell history: prefer --stdin or --from-file.")
	cmd.Flags().BoolVar(&v.allowEmpty, "allow-empty", false, "Store an empty value instead of refusing it.")
}

// complete records which sources were given; an empty --from-literal is a
// deliberate empty value, so it is noticed through Changed.
func (v *valueSource) complete(cmd *cobra.Command) {
	v.literalSet = cmd.Flags().Changed("from-literal")
}

func (v *valueSource) validate(cmd *cobra.Command) error {
	var given []string
	if v.fromFile != "" || cmd.Flags().Changed("from-file") {
		given = append(given, "--from-file")
	}
	if v.fromStdin {
		given = append(given, "--stdin")
	}
	if v.literalSet {
		given = append(given, "--from-literal")
	}
	if cmd.Flags().Changed("from-file") && v.fromFile == "" {
		return usageErrorf(cmd, "--from-file needs a path")
	}
	if len(given) > 1 {
		return usageErrorf(cmd, "%s and %s both give the value: expected at most one of --from-file, --stdin, --from-literal", given[0], given[1])
	}
	return nil
}

// read returns the value. errOut gets the prompt; what is typed is not
// echoed. An empty value is an error unless allowEmpty.
func (v *valueSource) read(in io.Reader, errOut io.Writer, project, key string) ([]byte, error) {
	value, err := v.readAny(in, errOut, project, key)
	if err == nil && len(value) == 0 && !v.allowEmpty {
		return nil, errors.New("the value is empty, nothing was written: pass --allow-empty to store an empty value")
	}
	return value, err
}

func (v *valueSource) readAny(in io.Reader, errOut io.Writer, project, key string) ([]byte, error) {
	switch {
	case v.literalSet:
		return []byte(v.fromLiteral), nil
	case v.fromFile != "":
		f, err := os.Open(v.fromFile)
		if err != nil {
			return nil, fmt.Errorf("reading the value: %w", err)
		}
		defer f.Close()
		return readLimited(f, "file "+v.fromFile)
	case !v.fromStdin:
		if tty, ok := asTerminal(in); ok {
			fmt.Fprintf(errOut, "Value for project %q, key %q (input hidden): ", project, key)
			value, err := tty.ReadPassword()
			fmt.Fprintln(errOut)
			if err != nil {
				return nil, fmt.Errorf("reading the value from the terminal: %w", err)
			}
			return value, nil
		}
		// A script that forgot --stdin would otherwise store whatever
		// standard input holds, often nothing.
		return nil, errors.New("no value given and standard input is not a terminal, nothing was written: expected --stdin, --from-file or --from-literal")
	}
	return readLimited(in, "standard input")
}

// readLimited stops reading one byte past what a project Secret can hold at
// all, so a wrong pipe cannot exhaust memory.
func readLimited(r io.Reader, what string) ([]byte, error) {
	value, err := io.ReadAll(io.LimitReader(r, projsecret.MaxSecretDataBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the value from %s: %w", what, err)
	}
	if len(value) > projsecret.MaxSecretDataBytes {
		return nil, fmt.Errorf("the value from %s is larger than %d bytes, the most a project secret can hold", what, projsecret.MaxSecretDataBytes)
	}
	return value, nil
}
