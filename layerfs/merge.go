package layerfs

import (
	iofs "io/fs"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// File is an entry of the merged file system with the layer it came from.
type File struct {
	Entry
	Layer int
	// HiddenBy is the layer that deleted or replaced this file; -1 while
	// it is visible.
	HiddenBy int
}

// Found is one extractor result on a file visible in the merged view.
type Found struct {
	Path      string
	Layer     int // the layer whose copy of the file was read
	Extractor string
	Result    extract.Result
}

// FS is the merged view of all layers.
type FS struct {
	root *node
	// Hidden lists files that some layer had and a later layer deleted or
	// replaced, in the order they were hidden. Their bytes are still in
	// the image.
	Hidden []File
	// Found holds the extractor results of visible files, sorted by path.
	// Packages carry the index of the layer that introduced their version.
	Found []Found
}

type node struct {
	children map[string]*node
	file     *File
}

// Merge applies layer results in order, base first, with overlay
// semantics: a layer's whiteouts and opaque directories hide what lower
// layers put there, an entry replaces the same path below it, and a
// non-directory replaces a whole lower directory tree.
func Merge(layers []*LayerResult) *FS {
	m := &merger{fs: &FS{root: &node{}}, found: map[string][]Found{}, intro: map[string]map[pkgKey]int{}}
	for i, l := range layers {
		m.apply(i, l)
	}
	paths := make([]string, 0, len(m.found))
	for p := range m.found {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		m.fs.Found = append(m.fs.Found, m.found[p]...)
	}
	return m.fs
}

type pkgKey struct{ name, version, arch string }

type merger struct {
	fs *FS
	// found holds the results for each visible analyzed path.
	found map[string][]Found
	// intro remembers, per analyzed path, the layer that introduced each
	// package version it lists, so that a package database rewritten by
	// a later layer keeps the layer where each unchanged package first
	// appeared.
	intro map[string]map[pkgKey]int
}

func (m *merger) apply(layer int, l *LayerResult) {
	for _, dir := range l.Opaque {
		if n := m.lookup(dir); n != nil {
			for name, c := range n.children {
				m.hide(c, layer)
				delete(n.children, name)
			}
		}
	}
	for _, p := range l.Whiteouts {
		m.remove(p, layer)
	}
	for _, e := range l.Entries {
		m.add(e, layer)
	}
	byPath := map[string][]FileResult{}
	for _, fr := range l.Files {
		byPath[fr.Path] = append(byPath[fr.Path], fr)
	}
	for p, frs := range byPath {
		old := m.intro[p]
		next := map[pkgKey]int{}
		found := make([]Found, 0, len(frs))
		for _, fr := range frs {
			r := fr.Result
			if len(r.Packages) > 0 {
				pkgs := make([]inventory.Package, len(r.Packages))
				copy(pkgs, r.Packages)
				for i := range pkgs {
					k := pkgKey{pkgs[i].Name, pkgs[i].Version, pkgs[i].Arch}
					at, ok := old[k]
					if !ok {
						at = layer
					}
					next[k] = at
					pkgs[i].Layer = at
				}
				r.Packages = pkgs
			}
			found = append(found, Found{Path: p, Layer: layer, Extractor: fr.Extractor, Result: r})
		}
		m.found[p] = found
		m.intro[p] = next
	}
}

// lookup returns the node at p, or nil.
func (m *merger) lookup(p string) *node {
	n := m.fs.root
	if p == "" {
		return n
	}
	for _, part := range strings.Split(p, "/") {
		if n = n.children[part]; n == nil {
			return nil
		}
	}
	return n
}

// remove deletes the subtree at p, recording what it hid.
func (m *merger) remove(p string, layer int) {
	dir, base := splitPath(p)
	parent := m.lookup(dir)
	if parent == nil {
		return
	}
	if c, ok := parent.children[base]; ok {
		m.hide(c, layer)
		delete(parent.children, base)
	}
}

// hide records every file in the subtree as deleted by layer.
func (m *merger) hide(n *node, layer int) {
	if n.file != nil {
		m.hideFile(n.file, layer, true)
	}
	for _, c := range n.children {
		m.hide(c, layer)
	}
}

// hideFile records f as hidden by layer and drops its extractor results.
// A deleted file also loses its package history; a replaced one keeps it,
// because a package manager rewrites its database in place and the
// packages it still lists were introduced where they first appeared.
func (m *merger) hideFile(f *File, layer int, deleted bool) {
	h := *f
	h.HiddenBy = layer
	m.fs.Hidden = append(m.fs.Hidden, h)
	delete(m.found, f.Path)
	if deleted {
		delete(m.intro, f.Path)
	}
}

func (m *merger) add(e Entry, layer int) {
	n := m.fs.root
	parts := strings.Split(e.Path, "/")
	for _, part := range parts[:len(parts)-1] {
		c := n.children[part]
		if c == nil {
			c = &node{}
			if n.children == nil {
				n.children = map[string]*node{}
			}
			n.children[part] = c
		} else if c.file != nil && !c.file.Mode.IsDir() {
			// A lower layer had a file or symlink where this layer
			// has a directory: the directory replaces it.
			m.hideFile(c.file, layer, true)
			c.file = nil
		}
		n = c
	}
	name := parts[len(parts)-1]
	c := n.children[name]
	if c == nil {
		c = &node{}
		if n.children == nil {
			n.children = map[string]*node{}
		}
		n.children[name] = c
	}
	if c.file != nil && c.file.Layer < layer && !(c.file.Mode.IsDir() && e.Mode.IsDir()) {
		m.hideFile(c.file, layer, false)
	}
	if !e.Mode.IsDir() {
		// A file, link or device replaces everything below a lower
		// directory of the same name.
		for k, gc := range c.children {
			m.hide(gc, layer)
			delete(c.children, k)
		}
	}
	c.file = &File{Entry: e, Layer: layer, HiddenBy: -1}
}

func splitPath(p string) (dir, base string) {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return "", p
}

// Stat returns the visible file at p.
func (f *FS) Stat(p string) (File, bool) {
	m := &merger{fs: f}
	n := m.lookup(p)
	if n == nil || n.file == nil {
		return File{}, false
	}
	return *n.file, true
}

// Walk calls fn for every visible file in path order.
func (f *FS) Walk(fn func(File) bool) {
	var walk func(n *node) bool
	walk = func(n *node) bool {
		names := make([]string, 0, len(n.children))
		for k := range n.children {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			c := n.children[k]
			if c.file != nil && !fn(*c.file) {
				return false
			}
			if !walk(c) {
				return false
			}
		}
		return true
	}
	walk(f.root)
}

// EachFile calls visit for every file visible in the merged view (hiddenBy
// -1), then for each file a later layer deleted or replaced, with the
// layer that holds it and the layer that hid it. It lets consumers read
// the file system without depending on this package's types.
func (fs *FS) EachFile(visit func(path string, mode iofs.FileMode, size int64, layer, hiddenBy int)) {
	fs.Walk(func(f File) bool {
		visit(f.Path, f.Mode, f.Size, f.Layer, -1)
		return true
	})
	for _, h := range fs.Hidden {
		visit(h.Path, h.Mode, h.Size, h.Layer, h.HiddenBy)
	}
}
