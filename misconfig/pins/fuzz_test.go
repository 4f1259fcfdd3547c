package pins

import (
	"strings"
	"testing"
)

// FuzzParse: any reference a file names either is a tag pinned with a
// digest, both taken from it, or is left alone; nothing panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"registry.local:5000/app:1@sha256:" + strings.Repeat("a", 64),
		"nginx:1.27@sha256:" + strings.Repeat("0", 64),
		"nginx@sha256:" + strings.Repeat("0", 64),
		"localhost:5000/app@sha256:abc",
		"app:1@",
		":@",
		"a/b/c:tag@sha512:" + strings.Repeat("f", 128),
	} {
		f.Add(s)
	}
	c := &Checker{}
	f.Fuzz(func(t *testing.T, ref string) {
		p, ok := c.parse(ref)
		if !ok {
			return
		}
		if !strings.HasSuffix(ref, "@"+p.digest) || p.tag.TagStr() == "" {
			t.Fatalf("%q parsed as tag %q digest %q", ref, p.tag, p.digest)
		}
	})
}
