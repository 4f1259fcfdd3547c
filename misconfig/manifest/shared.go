package manifest

import (
	"encoding/json"
	"strings"

	"go.yaml.in/yaml/v3"
)

// As decodes an object into its Kubernetes API type (corev1.Pod, …)
// through JSON; ok is false when the object does not fit the type.
func As[T any](o *Object) (v *T, ok bool) {
	data, err := json.Marshal(o.Value)
	if err != nil {
		return nil, false
	}
	v = new(T)
	if err := json.Unmarshal(data, v); err != nil {
		return nil, false
	}
	return v, true
}

// APIGroup is the group of an apiVersion ("apps/v1" → "apps"; the core
// group "v1" → "").
func APIGroup(apiVersion string) string {
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return ""
	}
	return g
}

// Bounded reports whether expanding n's aliases visits at most *budget
// nodes and nests no deeper than MaxDepth, spending the budget. Third-party
// loaders (compose-go, kustomize) expand aliases in full; a document must
// pass this first.
func Bounded(n *yaml.Node, budget *int) bool { return bounded(n, 0, budget) }

func bounded(n *yaml.Node, depth int, budget *int) bool {
	if *budget--; *budget < 0 || depth > MaxDepth {
		return false
	}
	if n.Kind == yaml.AliasNode {
		return n.Alias == nil || bounded(n.Alias, depth+1, budget)
	}
	for _, c := range n.Content {
		if !bounded(c, depth+1, budget) {
			return false
		}
	}
	return true
}
