package crm

import (
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"testing"
)

// internalSentinels are the sentinels that are meant to be KindInternal, each with why: a
// door that meets one answers 500, and that is right.
var internalSentinels = map[string]string{
	"ErrClaimLost": "only the outbox worker meets it, and it handles it; no request of a door can",
}

// TestEverySentinelHasAKind reads this package's source for every exported package-level
// variable of type error, so a sentinel added tomorrow is held to the same rule: it is
// declared with newError and a kind that is not internal (unless internalSentinels says
// why), KindOf finds the kind through wrapping, and errors.Is still finds the sentinel.
func TestEverySentinelHasAKind(t *testing.T) {
	declared := declaredSentinels(t)
	if len(declared) < 20 {
		t.Fatalf("found only %d sentinels in the source (%v): the parse is broken", len(declared), declared)
	}
	byText := map[string]*kindError{}
	for _, e := range sentinels {
		if byText[e.msg] != nil {
			t.Errorf("two sentinels say %q: a person cannot tell them apart", e.msg)
		}
		byText[e.msg] = e
	}
	names := make([]string, 0, len(declared))
	for name := range declared {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d := declared[name]
		if d.text == "" {
			t.Errorf("%s is not declared with newError(kind, \"text\"): give it a kind", name)
			continue
		}
		e := byText[d.text]
		if e == nil {
			t.Errorf("%s: no sentinel made by newError says %q", name, d.text)
			continue
		}
		kind := KindOf(e)
		why, internal := internalSentinels[name]
		switch {
		case internal && kind != KindInternal:
			t.Errorf("%s is listed as internal (%s) but its kind is %s", name, why, kind)
		case !internal && kind == KindInternal:
			t.Errorf("%s is KindInternal, so a door answers it with 500: give it its kind, or list it in internalSentinels with the reason", name)
		}
		wrapped := fmt.Errorf("postgres: book: %w", e)
		if KindOf(wrapped) != kind || !errors.Is(wrapped, e) {
			t.Errorf("%s wrapped: kind %s, errors.Is %t; want %s and true", name, KindOf(wrapped), errors.Is(wrapped, e), kind)
		}
		t.Logf("%-20s %s", name, kind)
	}
	for name := range internalSentinels {
		if _, ok := declared[name]; !ok {
			t.Errorf("internalSentinels lists %s, which the package no longer declares", name)
		}
	}
	made := 0
	for _, d := range declared {
		if d.text != "" {
			made++
		}
	}
	if len(sentinels) != made {
		t.Errorf("newError made %d errors, the source declares %d exported sentinels with it: newError is for exported sentinels only", len(sentinels), made)
	}
}

// declared is a sentinel as the source declares it: the text given to newError, or "" when
// it is declared some other way.
type declared struct {
	text string
}

// source is this package's source, type-checked.
type source struct {
	pkg   *types.Package
	info  *types.Info
	files []*ast.File
}

func checkSource(t *testing.T) source {
	t.Helper()
	bp, err := build.Default.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(bp.Dir, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}}
	// The standard library comes from its export data; packages from outside it may not
	// load, and that does not matter to the type of a variable made by newError or
	// errors.New, so errors are ignored.
	conf := types.Config{Importer: importer.Default(), Error: func(error) {}}
	pkg, _ := conf.Check("github.com/huduma-connect/huduma/crm", fset, files, info)
	return source{pkg, info, files}
}

// declaredSentinels returns this package's exported package-level variables of type error.
func declaredSentinels(t *testing.T) map[string]declared {
	t.Helper()
	src := checkSource(t)
	pkg, info, files := src.pkg, src.info, src.files
	errType := types.Universe.Lookup("error").Type()

	out := map[string]declared{}
	for _, f := range files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					obj, ok := info.Defs[id].(*types.Var)
					if !ok || !id.IsExported() || obj.Parent() != pkg.Scope() {
						continue
					}
					if !types.Identical(obj.Type(), errType) {
						if obj.Type() == types.Typ[types.Invalid] {
							t.Errorf("cannot tell the type of %s: the source did not type-check", id.Name)
						}
						continue
					}
					var d declared
					if i < len(vs.Values) {
						d.text = newErrorText(info, vs.Values[i])
					}
					out[id.Name] = d
				}
			}
		}
	}
	return out
}

// newErrorText is the text of a call newError(kind, "text"), or "" if expr is not one.
func newErrorText(info *types.Info, expr ast.Expr) string {
	call, ok := expr.(*ast.CallExpr)
	if !ok || len(call.Args) != 2 {
		return ""
	}
	if fn, ok := call.Fun.(*ast.Ident); !ok || fn.Name != "newError" {
		return ""
	}
	v := info.Types[call.Args[1]].Value
	if v == nil || v.Kind() != constant.String {
		return ""
	}
	return constant.StringVal(v)
}

func TestKindOf(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want Kind
	}{
		{"nil", nil, KindInternal},
		{"an error without a kind", errors.New("connection refused"), KindInternal},
		{"a sentinel", ErrNotFound, KindNotFound},
		{"wrapped twice", fmt.Errorf("case 7: %w", fmt.Errorf("postgres: %w", ErrConflict)), KindChanged},
		{"bad input naming a reference", fmt.Errorf("%w: case number %q: %w", ErrBadInput, "1", ErrBadReference), KindInvalid},
		{"the provider's failure with its cause", fmt.Errorf("call: %w: %w", ErrVoiceFailed, errors.New("HTTP 500")), KindUpstream},
		{"joined: the first with a kind", errors.Join(errors.New("x"), ErrForbidden), KindForbidden},
	} {
		if got := KindOf(tt.err); got != tt.want {
			t.Errorf("%s: KindOf = %s, want %s", tt.name, got, tt.want)
		}
	}
}

// Every Kind the source declares has a name, and the kinds run 0, 1, 2, ... without a gap,
// so a door can list them all by their names (see console's TestEveryKindHasAStatus).
func TestKindsAreNamed(t *testing.T) {
	src := checkSource(t)
	var values []int64
	for _, name := range src.pkg.Scope().Names() {
		c, ok := src.pkg.Scope().Lookup(name).(*types.Const)
		if !ok || c.Type() != src.pkg.Scope().Lookup("Kind").Type() {
			continue
		}
		v, _ := constant.Int64Val(c.Val())
		values = append(values, v)
		if Kind(v).String() == "unknown" {
			t.Errorf("%s has no name in kindNames", name)
		}
	}
	sort.Slice(values, func(i, j int) bool { return values[i] < values[j] })
	for i, v := range values {
		if v != int64(i) {
			t.Fatalf("the kinds are %v, want 0 to %d", values, len(values)-1)
		}
	}
	if len(values) < 9 || Kind(len(values)).String() != "unknown" {
		t.Errorf("%d kinds found in the source; Kind(%d) is %q", len(values), len(values), Kind(len(values)))
	}
}
