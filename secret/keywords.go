package secret

// keywords is an Aho-Corasick automaton over lower-cased keywords, built
// as a dense table of byte transitions so that the scan loop is one table
// load per input byte. It answers which rules have a keyword anywhere in
// a text, the prefilter that decides which rules' regular expressions run.
type keywords struct {
	next  []int32 // state*256 + byte → state
	out   [][]int // state → rule indexes whose keyword ends here
	fail  []int32 // only used while building
	lower [256]byte
}

func newKeywords(words map[string][]int) *keywords {
	k := &keywords{}
	for i := range k.lower {
		c := byte(i)
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		k.lower[i] = c
	}
	// Trie.
	goTo := []map[byte]int32{{}}
	k.out = [][]int{nil}
	for w, rules := range words {
		s := int32(0)
		for i := 0; i < len(w); i++ {
			c := k.lower[w[i]]
			n, ok := goTo[s][c]
			if !ok {
				n = int32(len(goTo))
				goTo = append(goTo, map[byte]int32{})
				k.out = append(k.out, nil)
				goTo[s][c] = n
			}
			s = n
		}
		k.out[s] = append(k.out[s], rules...)
	}
	// Breadth-first: failure links and the full transition table.
	n := len(goTo)
	k.next = make([]int32, n*256)
	k.fail = make([]int32, n)
	queue := make([]int32, 0, n)
	for c := 0; c < 256; c++ {
		if t, ok := goTo[0][byte(c)]; ok {
			k.next[c] = t
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		k.out[s] = append(k.out[s], k.out[k.fail[s]]...)
		for c := 0; c < 256; c++ {
			if t, ok := goTo[s][byte(c)]; ok {
				k.fail[t] = k.next[int(k.fail[s])*256+c]
				k.next[int(s)*256+c] = t
				queue = append(queue, t)
			} else {
				k.next[int(s)*256+c] = k.next[int(k.fail[s])*256+c]
			}
		}
	}
	k.fail = nil
	return k
}

// match marks in hit every rule with a keyword in data, case-insensitively.
func (k *keywords) match(data []byte, hit []bool) {
	s := int32(0)
	next, out, lower := k.next, k.out, &k.lower
	for _, b := range data {
		s = next[int(s)<<8|int(lower[b])]
		if out[s] != nil {
			for _, r := range out[s] {
				hit[r] = true
			}
		}
	}
}

// each calls fn for every occurrence of a keyword in data with the rule
// it belongs to and the offset just past the keyword.
func (k *keywords) each(data []byte, fn func(rule, end int)) {
	s := int32(0)
	next, out, lower := k.next, k.out, &k.lower
	for i, b := range data {
		s = next[int(s)<<8|int(lower[b])]
		if out[s] != nil {
			for _, r := range out[s] {
				fn(r, i+1)
			}
		}
	}
}
