package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strings"
)

// The three kinds of mutant, named in the style of gremlins' mutator names
// so the two reports read alike.
const (
	// ClauseRemoval replaces one term of an && chain by true, or of an ||
	// chain by false: the condition as if that clause had never been written.
	ClauseRemoval = "CLAUSE_REMOVAL"
	// ConditionNegation negates an if condition, or a case of a switch
	// without a tag (an if/else-if chain in another spelling).
	ConditionNegation = "CONDITION_NEGATION"
	// StatementRemoval deletes one statement of a function body that
	// declares nothing.
	StatementRemoval = "STATEMENT_REMOVAL"
)

// Mutant is one change to one file: the bytes [Start, End) of the source
// replaced by With.
type Mutant struct {
	Kind       string
	File       string // as given to Generate
	Line, Col  int
	Start, End int
	With       string
	Was        string // the replaced source, for the report
	// Pre and Post wrap [Start, End) in the schema, the one build that
	// holds every mutant of a package, each switched on by its number
	// (a %d in Pre) through clausemutOn.
	Pre, Post string
}

// Apply returns src with the mutant's change. A removed range keeps its
// newlines, so every other line keeps its number in compiler errors and
// test output.
func (m Mutant) Apply(src []byte) []byte {
	with := m.With
	if with == "" {
		with = strings.Repeat("\n", bytes.Count(src[m.Start:m.End], []byte("\n")))
	}
	out := make([]byte, 0, len(src)+len(with))
	out = append(out, src[:m.Start]...)
	out = append(out, with...)
	return append(out, src[m.End:]...)
}

// Describe is the change in a few words for the report.
func (m Mutant) Describe() string {
	was := strings.Join(strings.Fields(m.Was), " ")
	if len(was) > 60 {
		was = was[:57] + "..."
	}
	if m.With == "" {
		return "removed: " + was
	}
	return was + " → " + strings.Join(strings.Fields(m.With), " ")
}

// Generate parses one file and returns its mutants in source order. Only
// code inside function bodies is mutated: package-level declarations hold
// no rules of their own.
func Generate(name string, src []byte) ([]Mutant, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	g := &generator{fset: fset, src: src, name: name}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
			g.noteLastReturn(fn.Type, fn.Body)
			ast.Inspect(fn.Body, g.visit)
		}
	}
	sort.SliceStable(g.out, func(i, j int) bool { return g.out[i].Start < g.out[j].Start })
	return g.out, nil
}

type generator struct {
	fset *token.FileSet
	src  []byte
	name string
	out  []Mutant
	// inChain marks binary expressions already visited as part of a longer
	// chain with the same operator, so each chain is cut into terms once.
	inChain map[ast.Expr]bool
	// terminal are the statements that end a function with results (Go
	// spec, "Terminating statements"): without one the function is missing
	// a return, a mutant that could never build, so none is made.
	terminal map[ast.Stmt]bool
}

func (g *generator) noteLastReturn(t *ast.FuncType, body *ast.BlockStmt) {
	if g.terminal == nil {
		g.terminal = map[ast.Stmt]bool{}
	}
	if t.Results != nil {
		g.markTerminal(body)
	}
}

func (g *generator) markTerminal(s ast.Stmt) {
	last := func(list []ast.Stmt) {
		if len(list) > 0 {
			g.markTerminal(list[len(list)-1])
		}
	}
	g.terminal[s] = true
	switch s := s.(type) {
	case *ast.BlockStmt:
		last(s.List)
	case *ast.LabeledStmt:
		g.markTerminal(s.Stmt)
	case *ast.IfStmt:
		last(s.Body.List)
		if s.Else != nil {
			g.markTerminal(s.Else)
		}
	case *ast.SwitchStmt:
		for _, c := range s.Body.List {
			last(c.(*ast.CaseClause).Body)
		}
	case *ast.TypeSwitchStmt:
		for _, c := range s.Body.List {
			last(c.(*ast.CaseClause).Body)
		}
	case *ast.SelectStmt:
		for _, c := range s.Body.List {
			last(c.(*ast.CommClause).Body)
		}
	}
}

func (g *generator) add(kind string, n ast.Node, with string) {
	p := g.fset.Position(n.Pos())
	start, end := g.fset.Position(n.Pos()).Offset, g.fset.Position(n.End()).Offset
	m := Mutant{Kind: kind, File: g.name, Line: p.Line, Col: p.Column,
		Start: start, End: end, With: with, Was: string(g.src[start:end])}
	switch {
	case kind == StatementRemoval:
		m.Pre, m.Post = "if !clausemutOn(%d) { ", " }"
	case kind == ConditionNegation:
		m.Pre, m.Post = "(clausemutOn(%d) != (", "))"
	case with == "true":
		m.Pre, m.Post = "(clausemutOn(%d) || ", ")"
	default:
		m.Pre, m.Post = "(!clausemutOn(%d) && ", ")"
	}
	g.out = append(g.out, m)
}

func (g *generator) visit(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.BinaryExpr:
		if (n.Op == token.LAND || n.Op == token.LOR) && !g.inChain[n] {
			neutral := "true"
			if n.Op == token.LOR {
				neutral = "false"
			}
			for _, term := range g.terms(n, n.Op) {
				g.add(ClauseRemoval, term, neutral)
			}
		}
	case *ast.IfStmt:
		g.add(ConditionNegation, n.Cond, "!("+g.text(n.Cond)+")")
	case *ast.SwitchStmt:
		if n.Tag == nil {
			for _, s := range n.Body.List {
				for _, e := range s.(*ast.CaseClause).List {
					g.add(ConditionNegation, e, "!("+g.text(e)+")")
				}
			}
		}
	case *ast.BlockStmt:
		g.removable(n.List)
	case *ast.CaseClause:
		g.removable(n.Body)
	case *ast.CommClause:
		g.removable(n.Body)
	case *ast.FuncLit:
		g.noteLastReturn(n.Type, n.Body)
	}
	return true
}

// terms flattens a chain of one operator, ignoring parentheses only where
// they wrap the same operator, and marks the inner links as visited.
func (g *generator) terms(e ast.Expr, op token.Token) []ast.Expr {
	if g.inChain == nil {
		g.inChain = map[ast.Expr]bool{}
	}
	b, ok := e.(*ast.BinaryExpr)
	if !ok || b.Op != op {
		return []ast.Expr{e}
	}
	g.inChain[b] = true
	return append(g.terms(b.X, op), g.terms(b.Y, op)...)
}

// removable adds a StatementRemoval for each statement of a list that
// declares nothing: removing a declaration only fails the build.
func (g *generator) removable(list []ast.Stmt) {
	for _, s := range list {
		switch s := s.(type) {
		case *ast.DeclStmt, *ast.EmptyStmt, *ast.LabeledStmt, *ast.CaseClause, *ast.CommClause:
			continue
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE {
				continue
			}
		case *ast.BranchStmt:
			if s.Tok == token.FALLTHROUGH {
				continue // cannot be wrapped in the schema's if
			}
		}
		if g.terminal[s] {
			continue
		}
		g.add(StatementRemoval, s, "")
	}
}

func (g *generator) text(n ast.Node) string {
	return string(g.src[g.fset.Position(n.Pos()).Offset:g.fset.Position(n.End()).Offset])
}

// Schema returns src with every mutant wrapped, numbered from first: the
// i-th mutant of ms is switched on by clausemutOn(first+i). ms must come
// from Generate on src, whose order puts an enclosing mutant before those
// it encloses.
func Schema(src []byte, ms []Mutant, first int) []byte {
	type insert struct {
		at   int
		open bool
		i    int
		text string
	}
	var ins []insert
	for i, m := range ms {
		ins = append(ins, insert{m.Start, true, i, fmt.Sprintf(m.Pre, first+i)}, insert{m.End, false, i, m.Post})
	}
	sort.Slice(ins, func(a, b int) bool {
		x, y := ins[a], ins[b]
		switch {
		case x.at != y.at:
			return x.at < y.at
		case x.open != y.open:
			return !x.open // a mutant ending here closes before one starting here opens
		case x.open:
			return x.i < y.i // the enclosing mutant opens first...
		}
		return x.i > y.i // ...and closes last
	})
	var out bytes.Buffer
	prev := 0
	for _, in := range ins {
		out.Write(src[prev:in.at])
		out.WriteString(in.text)
		prev = in.at
	}
	out.Write(src[prev:])
	return out.Bytes()
}

// String is the mutant's place as gremlins prints it.
func (m Mutant) String() string { return fmt.Sprintf("%s at %s:%d:%d", m.Kind, m.File, m.Line, m.Col) }
