package audit

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/compose"
	"github.com/bulwark-sec/bulwark/misconfig/dockerfile"
	"github.com/bulwark-sec/bulwark/misconfig/host"
	"github.com/bulwark-sec/bulwark/misconfig/imageconfig"
	"github.com/bulwark-sec/bulwark/misconfig/kubernetes"
	"github.com/bulwark-sec/bulwark/misconfig/network"
	"github.com/bulwark-sec/bulwark/misconfig/pins"
	"github.com/bulwark-sec/bulwark/misconfig/rbac"
)

// The tests in this file check the built-in catalogs together. Each
// check package declares its checks as misconfig.Check variables with
// literal IDs and lists them in Checks; findings are made from the
// variables, so the one way to report an unknown check is to declare one
// and leave it out of Checks, which TestCheckIDsKnown catches. Users name
// check IDs in skip lists and suppressions, so no code, test or fixture
// may name one that no catalog has either.

// catalogs are the built-in check packages and the IDs each owns: numbered
// ones (numbered + "001", "002", … in catalog order), then, for
// kubernetes, named ones (named + an upstream Pod Security Standards
// check).
var catalogs = []struct {
	pkg             string
	checks          func() []misconfig.Check
	target          string
	numbered, named string
}{
	{"dockerfile", dockerfile.Checks, misconfig.TargetDockerfile, "BW-DF-", ""},
	{"imageconfig", imageconfig.Checks, misconfig.TargetImage, "BW-IMG-", ""},
	{"kubernetes", kubernetes.Checks, misconfig.TargetKubernetes, "BW-K8S-", "BW-PSS-"},
	{"rbac", rbac.Checks, misconfig.TargetKubernetes, "BW-RBAC-", ""},
	{"network", network.Checks, misconfig.TargetKubernetes, "BW-NET-", ""},
	{"compose", compose.Checks, misconfig.TargetCompose, "BW-CMP-", ""},
	{"host", host.Checks, misconfig.TargetHost, "BW-HOST-", ""},
	{"pins", pins.Checks, misconfig.TargetRegistry, "BW-PIN-", ""},
}

func TestCatalogs(t *testing.T) {
	owner := map[string]string{} // check ID → package
	for _, c := range catalogs {
		t.Run(c.pkg, func(t *testing.T) {
			cs := c.checks()
			if len(cs) == 0 {
				t.Fatal("no checks")
			}
			if err := misconfig.Validate(cs); err != nil {
				t.Error(err)
			}
			n, named := 0, false
			for _, k := range cs {
				if p, ok := owner[k.ID]; ok && p != c.pkg {
					t.Errorf("%s: also a check of %s", k.ID, p)
				}
				owner[k.ID] = c.pkg
				switch {
				case strings.HasPrefix(k.ID, c.numbered) && !named:
					n++
					if want := fmt.Sprintf("%s%03d", c.numbered, n); k.ID != want {
						t.Errorf("%s: check %d of the catalog, so its ID should be %s", k.ID, n, want)
					}
				case c.named != "" && strings.HasPrefix(k.ID, c.named) && len(k.ID) > len(c.named):
					named = true
				default:
					t.Errorf("%s: not an ID of %s, or out of order", k.ID, c.pkg)
				}
				if k.Target != c.target {
					t.Errorf("%s: target %q, want %q", k.ID, k.Target, c.target)
				}
				if len(k.References) == 0 || slices.Contains(k.References, "") {
					t.Errorf("%s: references %q", k.ID, k.References)
				}
			}
			for i := range cs {
				cs[i].Title = "changed"
				for j := range cs[i].References {
					cs[i].References[j] = "changed"
				}
			}
			for _, k := range c.checks() {
				if k.Title == "changed" || slices.Contains(k.References, "changed") {
					t.Fatal("Checks shares state between calls")
				}
			}
		})
	}
	// The catalogs above are what bulwark config --list-checks prints.
	var want, got []string
	for id := range owner {
		want = append(want, id)
	}
	for _, c := range Checks() {
		got = append(got, c.ID)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Checks lists\n%v\nthe catalogs hold\n%v", got, want)
	}
}

// checkID matches what reads as a built-in check ID.
var checkID = regexp.MustCompile(`\bBW-[A-Z0-9]+-[A-Za-z0-9_]+`)

// builtFromData are the files whose misconfig.Check literals take their
// ID from data, not from a literal, and why that is safe.
var builtFromData = map[string]string{
	"misconfig/kubernetes/pss.go": "one check per upstream Pod Security Standards check; kubernetes.TestChecks matches them with policy.DefaultChecks",
	"misconfig/custom/custom.go":  "the users' own checks, whose IDs Load keeps out of the BW- range",
}

// TestCheckIDsKnown walks the module's Go files and the misconfig
// packages' testdata (fixtures with suppressions, golden findings): every
// check ID they name must be in a catalog. A check declared but left out
// of its package's Checks fails here, by its literal ID.
func TestCheckIDsKnown(t *testing.T) {
	known := map[string]bool{}
	for _, c := range Checks() {
		known[c.ID] = true
	}
	root := filepath.Join("..", "..")
	declared := map[string]string{} // check ID → where its literal is
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		isGo := strings.HasSuffix(rel, ".go")
		if !d.Type().IsRegular() { // host trees hold links to the host's /run
			return nil
		}
		if !isGo && !(strings.HasPrefix(rel, "misconfig/") && strings.Contains(rel, "/testdata/")) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, id := range checkID.FindAll(data, -1) {
			if !known[string(id)] {
				t.Errorf("%s: %s is in no catalog (missing from its package's Checks?)", rel, id)
			}
		}
		if isGo && strings.HasPrefix(rel, "misconfig/") && !strings.HasSuffix(rel, "_test.go") {
			checkLiterals(t, rel, data, declared)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 || len(declared) == 0 {
		t.Errorf("walked %d files and found %d check declarations: not the module?", files, len(declared))
	}
}

// checkLiterals checks the misconfig.Check literals of one Go file: each
// has a literal ID, unless the file is in builtFromData, declared once.
func checkLiterals(t *testing.T, rel string, src []byte, declared map[string]string) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, 0)
	if err != nil {
		t.Error(err)
		return
	}
	isCheck := func(e ast.Expr) bool {
		switch e := e.(type) {
		case *ast.SelectorExpr:
			x, ok := e.X.(*ast.Ident)
			return ok && x.Name == "misconfig" && e.Sel.Name == "Check"
		case *ast.Ident:
			return f.Name.Name == "misconfig" && e.Name == "Check"
		}
		return false
	}
	visit := func(lit *ast.CompositeLit) {
		for _, e := range lit.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			if key, ok := kv.Key.(*ast.Ident); !ok || key.Name != "ID" {
				continue
			}
			where := fset.Position(kv.Pos()).String()
			id, ok := kv.Value.(*ast.BasicLit)
			if !ok || id.Kind != token.STRING {
				if _, fromData := builtFromData[rel]; !fromData {
					t.Errorf("%s: a check's ID must be a string literal", where)
				}
				continue
			}
			if first, ok := declared[id.Value]; ok {
				t.Errorf("%s: check %s is declared already, at %s", where, id.Value, first)
			}
			declared[id.Value] = where
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		if isCheck(lit.Type) {
			visit(lit)
		}
		// Elements of a []misconfig.Check or map[…]misconfig.Check
		// literal may leave out their type.
		var elem ast.Expr
		switch ty := lit.Type.(type) {
		case *ast.ArrayType:
			elem = ty.Elt
		case *ast.MapType:
			elem = ty.Value
		}
		if elem != nil && isCheck(elem) {
			for _, e := range lit.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					e = kv.Value
				}
				if el, ok := e.(*ast.CompositeLit); ok && el.Type == nil {
					visit(el)
				}
			}
		}
		return true
	})
}

// TestFindingsCarryTheirCheck audits the example project, which has files
// for every kind of check but the image audit, and compares each finding
// with its check in the catalog.
func TestFindingsCarryTheirCheck(t *testing.T) {
	res, err := Path(context.Background(), "testdata/project", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string]misconfig.Check{}
	for _, c := range Checks() {
		checks[c.ID] = c
	}
	families := map[string]bool{}
	for _, f := range append(res.Findings, res.Suppressed...) {
		c, ok := checks[f.CheckID]
		switch {
		case !ok:
			t.Errorf("%s:%d: finding of unknown check %q", f.File, f.StartLine, f.CheckID)
		case f.Title != c.Title || f.Severity != c.Severity || f.Target != c.Target ||
			f.Rationale != c.Rationale || f.Fix != c.Fix || !slices.Equal(f.References, c.References):
			t.Errorf("%s:%d: %s finding does not carry its check's fields", f.File, f.StartLine, f.CheckID)
		}
		families[f.CheckID[:strings.LastIndex(f.CheckID, "-")+1]] = true
	}
	for _, c := range catalogs {
		// The image and host audits read no folder of configuration, and
		// pins need a registry (misconfig/pins tests them against one).
		if c.pkg != "imageconfig" && c.pkg != "host" && c.pkg != "pins" && !families[c.numbered] {
			t.Errorf("no %s finding in testdata/project", c.numbered)
		}
	}
}
