// Package manifest reads Kubernetes manifests — multi-document YAML, JSON,
// List kinds — into objects that keep their source lines, so a check can
// say which line of which file a finding is on. Decoding is linear in the
// input and bounded: aliases are expanded within a budget proportional to
// the file's size, and nesting is capped.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits on one file.
const (
	MaxDepth     = 100
	MaxDocuments = 100_000
)

// ErrTooComplex is returned for a document whose aliases would expand far
// beyond its own size (a "billion laughs" bomb) or that nests too deeply.
var ErrTooComplex = errors.New("manifest: document expands too far through aliases or nests too deeply")

// Object is one Kubernetes object from a file.
type Object struct {
	File string
	// Doc is the index of the YAML document in the file, from 0; Item the
	// index inside a List's items, or -1.
	Doc, Item int
	// Line and EndLine bound the object in the file.
	Line, EndLine int

	APIVersion, Kind, Name, Namespace string
	Labels, Annotations               map[string]string

	// Node is the object's mapping node, for locating fields.
	Node *yaml.Node
	// Value is the object as JSON-like values (map[string]any, []any,
	// string, int64, float64, bool, nil), aliases expanded.
	Value map[string]any
}

// Ref names an object as kind/namespace/name for messages.
func (o *Object) Ref() string {
	ns := o.Namespace
	if ns != "" {
		ns += "/"
	}
	return fmt.Sprintf("%s/%s%s", o.Kind, ns, o.Name)
}

// Decode reads every object in a file. A document that is not a
// Kubernetes object (no kind or apiVersion) is skipped silently; a broken
// one is an error, and decoding stops there since YAML cannot resync after
// a syntax error. The objects before it are still returned.
func Decode(file string, data []byte) (objs []*Object, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: yaml parser panic: %v", file, r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	budget := &budget{left: 4*len(data) + 4096}
	for doc := 0; ; doc++ {
		if doc >= MaxDocuments {
			return objs, fmt.Errorf("%s: more than %d documents", file, MaxDocuments)
		}
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return objs, fmt.Errorf("%s: document %d: %w", file, doc+1, err)
		}
		if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
			continue
		}
		top := n.Content[0]
		if top.Kind != yaml.MappingNode {
			continue
		}
		v, err := budget.value(top, 0)
		if err != nil {
			return objs, fmt.Errorf("%s: document %d (line %d): %w", file, doc+1, top.Line, err)
		}
		m, _ := v.(map[string]any)
		o := newObject(file, doc, -1, top, m)
		if o == nil {
			continue
		}
		if items, ok := m["items"].([]any); ok && strings.HasSuffix(o.Kind, "List") {
			itemsNode := Lookup(top, "items")
			for i, it := range items {
				im, ok := it.(map[string]any)
				if !ok {
					continue
				}
				var node *yaml.Node
				if itemsNode != nil && itemsNode.Kind == yaml.SequenceNode && i < len(itemsNode.Content) {
					node = deref(itemsNode.Content[i])
				}
				if io := newObject(file, doc, i, node, im); io != nil {
					objs = append(objs, io)
				}
			}
			continue
		}
		objs = append(objs, o)
	}
}

func newObject(file string, doc, item int, node *yaml.Node, m map[string]any) *Object {
	kind, _ := m["kind"].(string)
	api, _ := m["apiVersion"].(string)
	if kind == "" || api == "" {
		return nil
	}
	o := &Object{File: file, Doc: doc, Item: item, APIVersion: api, Kind: kind, Node: node, Value: m}
	if node != nil {
		o.Line, o.EndLine = node.Line, lastLine(node, 0)
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		o.Name, _ = meta["name"].(string)
		o.Namespace, _ = meta["namespace"].(string)
		o.Labels = stringMap(meta["labels"])
		o.Annotations = stringMap(meta["annotations"])
	}
	return o
}

func stringMap(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case nil:
			out[k] = ""
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

func lastLine(n *yaml.Node, depth int) int {
	if depth > MaxDepth {
		return n.Line
	}
	line := n.Line
	if len(n.Content) > 0 {
		if l := lastLine(n.Content[len(n.Content)-1], depth+1); l > line {
			line = l
		}
	}
	return line
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// Lookup follows a path of mapping keys (string) and sequence indexes (int)
// from n and returns the node there, or nil.
func Lookup(n *yaml.Node, path ...any) *yaml.Node {
	n = deref(n)
	for _, p := range path {
		if n == nil {
			return nil
		}
		switch p := p.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return nil
			}
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if deref(n.Content[i]).Value == p {
					next = deref(n.Content[i+1])
				}
			}
			n = next
		case int:
			if n.Kind != yaml.SequenceNode || p < 0 || p >= len(n.Content) {
				return nil
			}
			n = deref(n.Content[p])
		default:
			return nil
		}
	}
	return n
}

// LineOf returns the line of the deepest node along path that exists in
// the object: the field itself when it is there, else the nearest parent
// (so a missing setting points at the block that should hold it). A key's
// own line is used for mapping values, which is where a reader looks.
func (o *Object) LineOf(path ...any) int {
	if o.Node == nil {
		return o.Line
	}
	n, line := o.Node, o.Node.Line
	for _, p := range path {
		n = deref(n)
		if n == nil {
			break
		}
		switch p := p.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line
			}
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k := deref(n.Content[i]); k.Value == p {
					next, line = n.Content[i+1], k.Line
				}
			}
			if next == nil {
				return line
			}
			n = next
		case int:
			if n.Kind != yaml.SequenceNode || p < 0 || p >= len(n.Content) {
				return line
			}
			n = n.Content[p]
			line = deref(n).Line
		default:
			return line
		}
	}
	return line
}

// budget bounds the work of turning nodes into values.
type budget struct{ left int }

func (b *budget) value(n *yaml.Node, depth int) (any, error) {
	if b.left--; b.left < 0 || depth > MaxDepth {
		return nil, ErrTooComplex
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, errors.New("alias to nothing")
		}
		return b.value(n.Alias, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return b.value(n.Content[0], depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := b.value(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			if k == nil || k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping key is not a scalar", n.Content[i].Line)
			}
			if k.Tag == "!!merge" {
				merges = append(merges, n.Content[i+1])
				continue
			}
			v, err := b.value(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		for _, m := range merges {
			if err := b.merge(out, m, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case yaml.ScalarNode:
		return scalar(n), nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// merge applies a "<<" merge key: keys already set win.
func (b *budget) merge(out map[string]any, n *yaml.Node, depth int) error {
	v, err := b.value(n, depth)
	if err != nil {
		return err
	}
	var maps []map[string]any
	switch v := v.(type) {
	case map[string]any:
		maps = append(maps, v)
	case []any:
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				maps = append(maps, m)
			}
		}
	}
	for _, m := range maps {
		for k, v := range m {
			if _, set := out[k]; !set {
				out[k] = v
			}
		}
	}
	return nil
}

func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on", "y":
			return true
		}
		return false
	case "!!int":
		s := strings.ReplaceAll(n.Value, "_", "")
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
		return n.Value
	case "!!float":
		// Infinities and NaN stay text: they have no JSON form.
		if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
		return n.Value
	}
	return n.Value
}
