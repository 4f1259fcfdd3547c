package network

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// selector is a compiled label selector.
type selector struct {
	labels map[string]string
	exprs  []metav1.LabelSelectorRequirement
	// none marks a selector that selects nothing: a nil one, or one the API
	// server would reject (an unknown operator, In or NotIn without values,
	// Exists or DoesNotExist with values).
	none bool
}

// compile prepares ls for matching. As in Kubernetes, a nil selector
// selects nothing and an empty one everything.
func compile(ls *metav1.LabelSelector) selector {
	if ls == nil {
		return selector{none: true}
	}
	for _, e := range ls.MatchExpressions {
		switch e.Operator {
		case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn:
			if len(e.Values) == 0 {
				return selector{none: true}
			}
		case metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist:
			if len(e.Values) > 0 {
				return selector{none: true}
			}
		default:
			return selector{none: true}
		}
	}
	return selector{labels: ls.MatchLabels, exprs: ls.MatchExpressions}
}

// matches says whether a set of labels satisfies every term: each
// matchLabels pair, and each expression (In: the key is there with one of
// the values; NotIn: the key is absent or has none of them; Exists;
// DoesNotExist).
func (s selector) matches(labels map[string]string) bool {
	if s.none {
		return false
	}
	for k, v := range s.labels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	for _, e := range s.exprs {
		v, ok := labels[e.Key]
		switch e.Operator {
		case metav1.LabelSelectorOpIn:
			if !ok || !slices.Contains(e.Values, v) {
				return false
			}
		case metav1.LabelSelectorOpNotIn:
			if ok && slices.Contains(e.Values, v) {
				return false
			}
		case metav1.LabelSelectorOpExists:
			if !ok {
				return false
			}
		case metav1.LabelSelectorOpDoesNotExist:
			if ok {
				return false
			}
		}
	}
	return true
}

// pairKey is the index key of one required label.
func pairKey(k, v string) string { return k + "\x00" + v }

// indexKey returns a label pair every match must carry — the matchLabels
// entry with the smallest key — or false when there is none (expressions
// only, or the empty selector).
func (s selector) indexKey() (string, bool) {
	if len(s.labels) == 0 {
		return "", false
	}
	var best string
	first := true
	for k := range s.labels {
		if first || k < best {
			best, first = k, false
		}
	}
	return pairKey(best, s.labels[best]), true
}
