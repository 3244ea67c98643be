package plugin

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/projsecret/projsecret"
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/util/jsonpath"
)

const customColumnsPrefix = "custom-columns="

// outputFlags are kubectl get's -o choices: a table by default (or wide),
// custom-columns, and every format of cli-runtime's PrintFlags.
type outputFlags struct {
	output    string
	noHeaders bool
	print     *genericclioptions.PrintFlags

	columns []customColumn
}

func newOutputFlags() *outputFlags {
	f := &outputFlags{print: genericclioptions.NewPrintFlags("")}
	// -o is registered here, with the full list of formats, not by PrintFlags.
	f.print.OutputFormat = nil
	return f
}

func (f *outputFlags) addFlags(cmd *cobra.Command) {
	f.print.AddFlags(cmd)
	f.print.OutputFormat = &f.output
	f.print.OutputFlagSpecified = func() bool { return cmd.Flags().Changed("output") }
	cmd.Flags().StringVarP(&f.output, "output", "o", "", fmt.Sprintf("Output format. One of: (%s). The default is a table.", strings.Join(f.allowedFormats(), ", ")))
	cmd.Flags().BoolVar(&f.noHeaders, "no-headers", false, "Print tables (default, wide and custom-columns) without the header line.")
	_ = cmd.RegisterFlagCompletionFunc("output", func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var formats []cobra.Completion
		for _, format := range append([]string{"wide", customColumnsPrefix}, f.print.AllowedFormats()...) {
			if strings.HasPrefix(format, toComplete) {
				formats = append(formats, format)
			}
		}
		return formats, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
}

func (f *outputFlags) allowedFormats() []string {
	return append([]string{"wide", customColumnsPrefix + "HEADER:JSONPATH,..."}, f.print.AllowedFormats()...)
}

func (f *outputFlags) isTable() bool { return f.output == "" || f.output == "wide" || f.columns != nil }

// validate checks -o before any request, so a typo costs nothing.
func (f *outputFlags) validate(cmd *cobra.Command) error {
	// As in kubectl get, --template alone means a go-template.
	if t := f.print.TemplatePrinterFlags.TemplateArgument; f.output == "" && t != nil && *t != "" {
		f.output = "go-template"
	}
	switch {
	case f.output == "" || f.output == "wide":
		return nil
	case strings.HasPrefix(f.output, customColumnsPrefix):
		columns, err := parseCustomColumns(strings.TrimPrefix(f.output, customColumnsPrefix))
		if err != nil {
			return usageErrorf(cmd, "-o %s: %v", f.output, err)
		}
		f.columns = columns
		return nil
	}
	if _, err := f.print.ToPrinter(); err != nil {
		if genericclioptions.IsNoCompatiblePrinterError(err) {
			return usageErrorf(cmd, "-o %s is not a known format: expected one of %s", projsecret.Quote(f.output), strings.Join(f.allowedFormats(), ", "))
		}
		return usageErrorf(cmd, "-o %s: %v", f.output, err)
	}
	return nil
}

// tableFunc builds the human-readable table of what is printed.
type tableFunc func() *metav1.Table

// printTo prints obj (one object or a List) in the chosen format. Tables
// come from table, or from the custom columns over items.
func (f *outputFlags) printTo(w io.Writer, obj runtime.Object, items []*unstructured.Unstructured, table tableFunc, withNamespace bool) error {
	if !f.isTable() {
		p, err := f.print.ToPrinter()
		if err != nil {
			return err
		}
		return p.PrintObj(obj, w)
	}
	var t *metav1.Table
	if f.columns != nil {
		var err error
		if t, err = customColumnsTable(f.columns, items); err != nil {
			return err
		}
	} else {
		t = table()
	}
	p := printers.NewTablePrinter(printers.PrintOptions{
		NoHeaders: f.noHeaders,
		Wide:      f.output == "wide",
		// As in kubectl, custom columns are exactly the ones asked for.
		WithNamespace: withNamespace && f.columns == nil,
	})
	return p.PrintObj(t, w)
}

// age is how kubectl shows a time: how long ago, or <unknown>.
func age(now, t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}

type customColumn struct {
	header string
	path   *jsonpath.JSONPath
}

// parseCustomColumns reads kubectl's -o custom-columns=HEADER:PATH,... where
// PATH is a JSONPath such as .metadata.name, metadata.name or {.metadata.name}.
// (kubectl's own parser lives in a package that would pull most of kubectl
// into the plugin.)
func parseCustomColumns(spec string) ([]customColumn, error) {
	if spec == "" {
		return nil, fmt.Errorf("no columns: expected HEADER:JSONPATH[,HEADER:JSONPATH...]")
	}
	var columns []customColumn
	for _, part := range strings.Split(spec, ",") {
		header, expr, ok := strings.Cut(part, ":")
		if !ok || header == "" || expr == "" {
			return nil, fmt.Errorf("column %s: expected HEADER:JSONPATH", projsecret.Quote(part))
		}
		expr, err := relaxedJSONPath(expr)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", header, err)
		}
		p := jsonpath.New(header).AllowMissingKeys(true)
		if err := p.Parse(expr); err != nil {
			return nil, fmt.Errorf("column %s: %w", projsecret.Quote(header), err)
		}
		columns = append(columns, customColumn{header: header, path: p})
	}
	return columns, nil
}

// relaxedPath is one field path in any of the four spellings kubectl's
// custom-columns accepts: name1.name2, .name1.name2, {name1.name2} and
// {.name1.name2}.
var relaxedPath = regexp.MustCompile(`^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`)

// relaxedJSONPath turns a custom-columns path into a JSONPath template the
// way kubectl does (its RelaxedJSONPathExpression): one field path, braces
// and leading dot optional; anything else, such as two templates in one
// column, is refused. As in kubectl, "" stays "" (parseCustomColumns
// refuses an empty column before asking).
func relaxedJSONPath(expr string) (string, error) {
	if expr == "" {
		return "", nil
	}
	m := relaxedPath.FindStringSubmatch(expr)
	if m == nil {
		return "", fmt.Errorf("unexpected path string %q, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'", expr)
	}
	field := m[1]
	if field == "" {
		field = m[2]
	}
	return "{." + field + "}", nil
}

func customColumnsTable(columns []customColumn, items []*unstructured.Unstructured) (*metav1.Table, error) {
	t := &metav1.Table{}
	for _, c := range columns {
		t.ColumnDefinitions = append(t.ColumnDefinitions, metav1.TableColumnDefinition{Name: c.header, Type: "string"})
	}
	for _, item := range items {
		cells := make([]any, len(columns))
		for i, c := range columns {
			results, err := c.path.FindResults(item.UnstructuredContent())
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", projsecret.Quote(c.header), err)
			}
			var values []string
			for _, r := range results {
				for _, v := range r {
					values = append(values, fmt.Sprint(v.Interface()))
				}
			}
			cells[i] = "<none>"
			if len(values) > 0 {
				cells[i] = strings.Join(values, ",")
			}
		}
		t.Rows = append(t.Rows, tableRow(item, cells...))
	}
	return t, nil
}
