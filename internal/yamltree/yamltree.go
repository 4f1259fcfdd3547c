// Package yamltree reads YAML lockfiles as yaml.v3 node trees, within a
// work budget: linear in the input, where struct decoding is quadratic in a
// mapping's size, and bounded against alias bombs.
package yamltree

import (
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// The lockfile is parsed into a yaml.Node tree and walked by hand rather
// than decoded into structs: yaml.v3's struct decoding checks every
// mapping for duplicate keys by comparing each key with every other, so a
// lockfile of 40,000 packages took seconds and a hostile one of the
// maximum size would take hours. Building the node tree is linear, and the
// walk below visits each node it needs once, following aliases within a
// budget proportional to the input, so alias bombs end quickly too.

// ErrTooComplex is returned when a document's aliases would make the walk
// do more work than its size justifies.
var ErrTooComplex = errors.New("yaml: document expands too far through aliases")

// Walker reads values from a node tree within a work budget.
type Walker struct{ budget int }

func NewWalker(data []byte) *Walker { return &Walker{budget: 2*len(data) + 1024} }

// Parse parses a document into its top node; an empty document gives
// nil. A panic inside the parser, third-party code fed hostile input,
// becomes an error: one bad lockfile must not take the scan down.
func Parse(data []byte) (top *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: parser panic: %v", r)
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// deref follows aliases to the node they name, charging the budget.
func (w *Walker) Deref(n *yaml.Node) (*yaml.Node, error) {
	for n != nil && n.Kind == yaml.AliasNode {
		if w.budget--; w.budget < 0 {
			return nil, ErrTooComplex
		}
		n = n.Alias
	}
	if n == nil {
		return nil, errors.New("yaml: alias to nothing")
	}
	return n, nil
}

func IsNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// mapping calls fn for each key and value of a mapping; a null value (a
// key with nothing after it) is an empty mapping. what names the value in
// errors.
func (w *Walker) Mapping(n *yaml.Node, what string, fn func(key string, v *yaml.Node) error) error {
	n, err := w.collection(n, yaml.MappingNode, what, "a mapping")
	if n == nil {
		return err
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if w.budget--; w.budget < 0 {
			return ErrTooComplex
		}
		k, err := w.Scalar(n.Content[i], what+" key")
		if err != nil {
			return err
		}
		if err := fn(k, n.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// scalar returns a scalar's text as written ("5.4", "1.0.0"); null is "".
func (w *Walker) Scalar(n *yaml.Node, what string) (string, error) {
	n, err := w.Deref(n)
	if err != nil {
		return "", err
	}
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: %s: want a string", n.Line, what)
	}
	if IsNull(n) {
		return "", nil
	}
	return n.Value, nil
}

// Sequence calls fn for each item of a sequence; null (a key with nothing
// after it) is an empty sequence. what names the value in errors.
func (w *Walker) Sequence(n *yaml.Node, what string, fn func(item *yaml.Node) error) error {
	n, err := w.collection(n, yaml.SequenceNode, what, "a list")
	if n == nil {
		return err
	}
	for _, item := range n.Content {
		if w.budget--; w.budget < 0 {
			return ErrTooComplex
		}
		if err := fn(item); err != nil {
			return err
		}
	}
	return nil
}

// collection follows aliases to a mapping or sequence of the wanted kind;
// null (a key with nothing after it) gives nil and no error.
func (w *Walker) collection(n *yaml.Node, kind yaml.Kind, what, want string) (*yaml.Node, error) {
	n, err := w.Deref(n)
	if err != nil || IsNull(n) {
		return nil, err
	}
	if n.Kind != kind {
		return nil, fmt.Errorf("line %d: %s: want %s", n.Line, what, want)
	}
	return n, nil
}
