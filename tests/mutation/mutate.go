package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"sort"
)

// Operator names, as they appear in keys. They are part of every key in
// equivalent.txt, so renaming one invalidates the file.
const (
	opNegate   = "negate"      // == <-> !=, < -> >=, ...
	opBoundary = "boundary"    // < -> <=, ...
	opLogical  = "logical"     // && <-> ||
	opNot      = "not"         // !x -> x
	opArith    = "arith"       // + <-> -, * <-> /
	opIfCond   = "if-cond"     // if c { -> if false { / if true {
	opStmt     = "stmt-remove" // f(x) as a statement -> nothing
	opReturn   = "return-nil"  // return ..., err -> return ..., nil
	opBool     = "bool-flip"   // true <-> false
	opLoop     = "loop-break"  // break <-> continue
)

// Mutant is one single edit of one file. The mutated file is the original
// bytes with [Start, End) replaced by Repl: working on bytes rather than on
// a printed AST keeps comments and formatting, and keeps the edit minimal.
type Mutant struct {
	Pkg        string // package dir relative to the module root
	File       string // absolute path of the original file
	Rel        string // file path relative to the module root, slash-separated
	Func       string // enclosing top-level function, Recv.Method, or (global)
	Op         string
	Start, End int // byte range of the original replaced by Repl
	Repl       string
	Line, Col  int
	Orig, Mut  string // whitespace-collapsed, shortened snippets
	N          int    // occurrence index among mutants with the same key base
	Key        string
}

// Pos is the human-oriented location, file:line:col.
func (m *Mutant) Pos() string {
	return fmt.Sprintf("%s:%d:%d", m.Rel, m.Line, m.Col)
}

// Apply returns the mutated file contents.
func (m *Mutant) Apply(src []byte) []byte {
	out := make([]byte, 0, len(src)+len(m.Repl))
	out = append(out, src[:m.Start]...)
	out = append(out, m.Repl...)
	return append(out, src[m.End:]...)
}

// parseFile parses one source file. Comments are kept to recognize
// generated files; object resolution backs the syntax-only fallbacks.
func parseFile(fset *token.FileSet, name string, src []byte) (*ast.File, error) {
	return parser.ParseFile(fset, name, src, parser.ParseComments)
}

// edit is a mutation found in the AST, before it is turned into a Mutant.
type edit struct {
	op         string
	fn         string
	node       ast.Node  // its source text forms the key snippets
	start, end token.Pos // replaced range
	repl       string
}

// fileMutants lists the mutants of one parsed file, in source order, with
// keys assigned. info may be nil (type-checking failed or was skipped):
// operators then fall back to syntax alone.
func fileMutants(fset *token.FileSet, f *ast.File, src []byte, info *types.Info, abs, rel, pkg string) []*Mutant {
	if ast.IsGenerated(f) {
		return nil // fixing a generated file's tests is never the point
	}
	w := &walker{info: info, fset: fset, src: src}
	ast.Inspect(f, w.visit)
	tf := fset.File(f.Pos())
	type span struct {
		start, end int
		repl       string
	}
	seen := map[span]bool{}
	var ms []*Mutant
	for _, e := range w.edits {
		s, t := tf.Offset(e.start), tf.Offset(e.end)
		// Two operators can produce the same edit (if-cond `true` and
		// bool-flip on `if false {`); running it twice only skews scores.
		sp := span{s, t, e.repl}
		if seen[sp] {
			continue
		}
		seen[sp] = true
		ns, nt := tf.Offset(e.node.Pos()), tf.Offset(e.node.End())
		orig := string(src[ns:nt])
		mut := string(src[ns:s]) + e.repl + string(src[t:nt])
		if orig == mut {
			continue
		}
		o, mu := shorten(collapse(orig), collapse(mut))
		p := fset.Position(e.start)
		ms = append(ms, &Mutant{
			Pkg: pkg, File: abs, Rel: rel, Func: e.fn, Op: e.op,
			Start: s, End: t, Repl: e.repl, Line: p.Line, Col: p.Column,
			Orig: o, Mut: mu,
		})
	}
	// The AST walk visits a node before its children, so sort by offset to
	// get a source order that does not depend on tree shape.
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].Start != ms[j].Start {
			return ms[i].Start < ms[j].Start
		}
		return ms[i].End < ms[j].End
	})
	assignKeys(ms)
	return ms
}

// walker collects edits; stack holds the ancestors of the node being
// visited (stack[0] is the *ast.File, stack[1] the top-level declaration).
type walker struct {
	info  *types.Info
	fset  *token.FileSet
	src   []byte
	stack []ast.Node
	edits []edit
}

// text is a node's source.
func (w *walker) text(n ast.Node) string {
	tf := w.fset.File(n.Pos())
	return string(w.src[tf.Offset(n.Pos()):tf.Offset(n.End())])
}

func (w *walker) visit(n ast.Node) bool {
	if n == nil {
		w.stack = w.stack[:len(w.stack)-1]
		return false
	}
	w.check(n)
	w.stack = append(w.stack, n)
	return true
}

func (w *walker) add(op string, node ast.Node, start, end token.Pos, repl string) {
	w.edits = append(w.edits, edit{op: op, fn: w.funcName(), node: node, start: start, end: end, repl: repl})
}

// swaps lists, per binary operator, the replacements of each operator.
var swaps = map[token.Token][]struct {
	op string
	to token.Token
}{
	token.EQL:  {{opNegate, token.NEQ}},
	token.NEQ:  {{opNegate, token.EQL}},
	token.LSS:  {{opNegate, token.GEQ}, {opBoundary, token.LEQ}},
	token.GTR:  {{opNegate, token.LEQ}, {opBoundary, token.GEQ}},
	token.LEQ:  {{opNegate, token.GTR}, {opBoundary, token.LSS}},
	token.GEQ:  {{opNegate, token.LSS}, {opBoundary, token.GTR}},
	token.LAND: {{opLogical, token.LOR}},
	token.LOR:  {{opLogical, token.LAND}},
	token.ADD:  {{opArith, token.SUB}},
	token.SUB:  {{opArith, token.ADD}},
	token.MUL:  {{opArith, token.QUO}},
	token.QUO:  {{opArith, token.MUL}},
}

func (w *walker) check(n ast.Node) {
	switch n := n.(type) {
	case *ast.BinaryExpr:
		for _, s := range swaps[n.Op] {
			if s.op == opArith && !w.numeric(n) {
				continue
			}
			end := n.OpPos + token.Pos(len(n.Op.String()))
			w.add(s.op, n, n.OpPos, end, s.to.String())
		}
	case *ast.UnaryExpr:
		if n.Op == token.NOT {
			w.add(opNot, n, n.OpPos, n.X.Pos(), "")
		}
	case *ast.IfStmt:
		if n.Init != nil {
			// The condition may be the only use of what Init declares
			// (`if v, ok := m[k]; ok`): keep it evaluated so that the
			// mutant builds, with the same forced outcome.
			cond := w.text(n.Cond)
			w.add(opIfCond, n.Cond, n.Cond.Pos(), n.Cond.End(), "false && ("+cond+")")
			w.add(opIfCond, n.Cond, n.Cond.Pos(), n.Cond.End(), "true || ("+cond+")")
			break
		}
		w.add(opIfCond, n.Cond, n.Cond.Pos(), n.Cond.End(), "false")
		w.add(opIfCond, n.Cond, n.Cond.Pos(), n.Cond.End(), "true")
	case *ast.ExprStmt:
		// A select case's receive is an ExprStmt too, but removing it is a
		// syntax error; only plain calls are statements worth removing.
		if _, call := n.X.(*ast.CallExpr); call && !w.parentIs(func(p ast.Node) bool { _, ok := p.(*ast.CommClause); return ok }) {
			w.add(opStmt, n, n.Pos(), n.End(), "")
		}
	case *ast.ReturnStmt:
		if last := w.droppableError(n); last != nil {
			w.add(opReturn, n, last.Pos(), last.End(), "nil")
		}
	case *ast.Ident:
		if (n.Name == "true" || n.Name == "false") && w.isUniverse(n) {
			to := "true"
			if n.Name == "true" {
				to = "false"
			}
			w.add(opBool, n, n.Pos(), n.End(), to)
		}
	case *ast.BranchStmt:
		// A labelled branch may target an outer loop or a select; swapping
		// it is rarely meaningful and often does not compile.
		if n.Label == nil && (n.Tok == token.BREAK || n.Tok == token.CONTINUE) && w.inLoop() {
			to := "continue"
			if n.Tok == token.CONTINUE {
				to = "break"
			}
			w.add(opLoop, n, n.Pos(), n.End(), to)
		}
	}
}

func (w *walker) parentIs(pred func(ast.Node) bool) bool {
	return len(w.stack) > 0 && pred(w.stack[len(w.stack)-1])
}

// funcName names the top-level declaration enclosing the current node.
// Function literals are attributed to their enclosing declaration, which
// keeps keys stable when a closure is added or removed elsewhere.
func (w *walker) funcName() string {
	if len(w.stack) < 2 {
		return "(global)"
	}
	fd, ok := w.stack[1].(*ast.FuncDecl)
	if !ok {
		return "(global)"
	}
	if fd.Recv != nil && len(fd.Recv.List) > 0 {
		return recvName(fd.Recv.List[0].Type) + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// recvName strips pointers and type parameters: (*Cache[T]) -> Cache.
func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.ParenExpr:
		return recvName(t.X)
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.IndexListExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}

// inLoop reports whether a for or range statement encloses the current
// node within the same function, so that both break and continue compile.
func (w *walker) inLoop() bool {
	for i := len(w.stack) - 1; i >= 0; i-- {
		switch w.stack[i].(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return true
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		}
	}
	return false
}

// droppableError returns the last result of a return statement when the
// enclosing function's last result is an error and the value returned
// there is not already nil; replacing it with nil tests that callers (and
// tests) notice the error at all.
func (w *walker) droppableError(r *ast.ReturnStmt) ast.Expr {
	var ft *ast.FuncType
	for i := len(w.stack) - 1; i >= 0 && ft == nil; i-- {
		switch f := w.stack[i].(type) {
		case *ast.FuncLit:
			ft = f.Type
		case *ast.FuncDecl:
			ft = f.Type
		}
	}
	if ft == nil || ft.Results == nil || len(ft.Results.List) == 0 {
		return nil
	}
	fields := ft.Results.List
	count := 0
	for _, f := range fields {
		count += max(len(f.Names), 1)
	}
	// `return f()` forwarding several results and naked returns have no
	// separate last expression to replace.
	if len(r.Results) != count {
		return nil
	}
	if !w.isError(fields[len(fields)-1].Type) {
		return nil
	}
	last := r.Results[len(r.Results)-1]
	if id, ok := last.(*ast.Ident); ok && id.Name == "nil" {
		return nil
	}
	return last
}

func (w *walker) isError(e ast.Expr) bool {
	if w.info != nil {
		if t := w.info.TypeOf(e); t != nil {
			return types.Identical(t, types.Universe.Lookup("error").Type())
		}
	}
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "error" && id.Obj == nil
}

// isUniverse reports whether an identifier true/false refers to the
// predeclared constant and is used as a value (not a selector's name or a
// shadowing declaration).
func (w *walker) isUniverse(id *ast.Ident) bool {
	if w.parentIs(func(p ast.Node) bool { s, ok := p.(*ast.SelectorExpr); return ok && s.Sel == id }) {
		return false
	}
	if w.info != nil {
		if obj, ok := w.info.Uses[id]; ok {
			return obj == types.Universe.Lookup(id.Name)
		}
		if _, ok := w.info.Defs[id]; ok {
			return false
		}
	}
	return id.Obj == nil
}

// numeric decides whether an arithmetic swap applies. `-`, `*` and `/` on
// strings do not compile, so the only real question is whether `+` is a
// concatenation; types answer it exactly, syntax only for literals.
func (w *walker) numeric(b *ast.BinaryExpr) bool {
	if w.info != nil {
		if t := w.info.TypeOf(b); t != nil {
			basic, ok := t.Underlying().(*types.Basic)
			return ok && basic.Info()&types.IsNumeric != 0
		}
	}
	return !stringish(b)
}

// stringish is the syntax-only guess: a string literal, a conversion to
// string, or a `+` chain containing either. Misses compile to "invalid".
func stringish(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.STRING
	case *ast.ParenExpr:
		return stringish(e.X)
	case *ast.BinaryExpr:
		return e.Op == token.ADD && (stringish(e.X) || stringish(e.Y))
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "string" {
			return true
		}
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			if pkg, ok := sel.X.(*ast.Ident); ok && (pkg.Name == "fmt" || pkg.Name == "strings" || pkg.Name == "strconv") {
				return true
			}
		}
	}
	return false
}
