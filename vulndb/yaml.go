package vulndb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark/internal/yamltree"
)

// OSV records in YAML (PyPA's advisory database keeps them so) are turned
// into JSON and parsed like every other record, so one parser decides what
// a valid record is. The conversion walks yaml.v3's node tree rather than
// decoding into Go values: scalars keep the text they were written with
// ("1.10" stays a version, not the number 1.1), aliases are followed
// within a budget, and nesting and output size are bounded.

// MaxYAMLSize bounds one YAML file. Real records are a few kilobytes and
// Alpine's largest secdb file is under a megabyte; parsing YAML costs many
// times the memory of its text.
const MaxYAMLSize = 8 << 20

// maxYAMLDepth bounds nesting. A record is six levels deep (affected,
// ranges, events, event); database_specific adds a few.
const maxYAMLDepth = 32

var errYAMLDepth = fmt.Errorf("yaml: nested deeper than %d levels", maxYAMLDepth)

// parseYAML parses one YAML document within the size bound; a document
// that is empty gives nil.
func parseYAML(data []byte) (*yaml.Node, error) {
	if len(data) > MaxYAMLSize {
		return nil, fmt.Errorf("yaml: %d bytes is over the %d byte limit", len(data), MaxYAMLSize)
	}
	return yamltree.Parse(data)
}

// topKeys reports which of the wanted keys a document's top mapping has.
func topKeys(top *yaml.Node, wanted ...string) map[string]bool {
	has := map[string]bool{}
	if top == nil || top.Kind != yaml.MappingNode {
		return has
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k := top.Content[i]
		for _, w := range wanted {
			if k.Kind == yaml.ScalarNode && k.Value == w {
				has[w] = true
			}
		}
	}
	return has
}

// yamlToJSON appends the JSON form of a node tree to out. Outside
// "*_specific" objects every scalar becomes a string, since every OSV
// field Bulwark reads is one; inside them numbers and booleans keep their
// type. inputSize sets the work budget and the output bound.
func yamlToJSON(out *bytes.Buffer, top *yaml.Node, inputSize int) error {
	c := yamlConv{out: out, budget: 2*inputSize + 1024, limit: out.Len() + 4*inputSize + 4096}
	return c.node(top, 0, false)
}

type yamlConv struct {
	out    *bytes.Buffer
	budget int // nodes left to visit, aliases expanded
	limit  int // output bytes allowed
}

func (c *yamlConv) node(n *yaml.Node, depth int, typed bool) error {
	if c.budget--; c.budget < 0 {
		return yamltree.ErrTooComplex
	}
	if depth > maxYAMLDepth {
		return errYAMLDepth
	}
	if c.out.Len() > c.limit {
		return yamltree.ErrTooComplex
	}
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias == nil {
			return errors.New("yaml: alias to nothing")
		}
		return c.node(n.Alias, depth+1, typed)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			c.out.WriteString("null")
			return nil
		}
		return c.node(n.Content[0], depth, typed)
	case yaml.SequenceNode:
		c.out.WriteByte('[')
		for i, e := range n.Content {
			if i > 0 {
				c.out.WriteByte(',')
			}
			if err := c.node(e, depth+1, typed); err != nil {
				return err
			}
		}
		c.out.WriteByte(']')
		return nil
	case yaml.MappingNode:
		c.out.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				if c.budget--; c.budget < 0 {
					return yamltree.ErrTooComplex
				}
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("yaml: line %d: a mapping key must be a plain value", k.Line)
			}
			if i > 0 {
				c.out.WriteByte(',')
			}
			writeJSONString(c.out, k.Value)
			c.out.WriteByte(':')
			if err := c.node(n.Content[i+1], depth+1, typed || strings.HasSuffix(k.Value, "_specific")); err != nil {
				return err
			}
		}
		c.out.WriteByte('}')
		return nil
	case yaml.ScalarNode:
		c.scalar(n, typed)
		return nil
	}
	return fmt.Errorf("yaml: line %d: unexpected node", n.Line)
}

func (c *yamlConv) scalar(n *yaml.Node, typed bool) {
	switch n.ShortTag() {
	case "!!null":
		c.out.WriteString("null")
		return
	case "!!timestamp":
		// Dates written bare ("2021-07-02 15:15:00") are RFC 3339 in OSV.
		var t time.Time
		if n.Decode(&t) == nil {
			writeJSONString(c.out, t.UTC().Format(time.RFC3339Nano))
			return
		}
	case "!!bool":
		var b bool
		if typed && n.Decode(&b) == nil {
			c.out.WriteString(strconv.FormatBool(b))
			return
		}
	case "!!int":
		var i int64
		if typed && n.Decode(&i) == nil {
			c.out.WriteString(strconv.FormatInt(i, 10))
			return
		}
	case "!!float":
		var f float64
		if typed && n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			c.out.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
			return
		}
	}
	writeJSONString(c.out, n.Value)
}

func writeJSONString(out *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	out.Write(b)
}
