package secret

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig/manifest"
	"go.yaml.in/yaml/v3"
)

// Kubernetes Secrets keep their values base64-encoded under data:, which
// no token pattern matches. In manifest files, each value of a Secret's
// data is decoded and scanned as "key: value", so both the token rules and
// the generic assignment rules (which need the key's name) see it.

// maxDecoded bounds one decoded value.
const maxDecoded = 1 << 20

func isManifest(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// mayHoldSecretData is a cheap gate before any YAML parsing.
func mayHoldSecretData(data []byte) bool {
	return bytes.Contains(data, []byte("Secret")) && bytes.Contains(data, []byte("data"))
}

func (e *Engine) scanSecretData(file string, data []byte) []Finding {
	if !mayHoldSecretData(data) {
		return nil
	}
	objs, _ := manifest.Decode(file, data) // a broken manifest still had its text scanned
	var out []Finding
	for _, o := range objs {
		if o.Kind != "Secret" || o.Node == nil {
			continue
		}
		dataNode := manifest.Lookup(o.Node, "data")
		if dataNode == nil || dataNode.Kind != yaml.MappingNode {
			continue
		}
		name := o.Name
		if o.Namespace != "" {
			name = o.Namespace + "/" + name
		}
		for i := 0; i+1 < len(dataNode.Content); i += 2 {
			k, v := dataNode.Content[i], dataNode.Content[i+1]
			if v.Kind != yaml.ScalarNode || len(v.Value) > maxDecoded*4/3+4 {
				continue
			}
			decoded, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v.Value), ""))
			if err != nil || len(decoded) == 0 || Binary(decoded) {
				continue
			}
			text := append([]byte(k.Value+": "), decoded...)
			for _, f := range e.scanText(file, text) {
				f.Line, f.Offset = v.Line, -1
				f.Encoding = fmt.Sprintf("base64 (Secret %s data.%s)", name, k.Value)
				out = append(out, f)
			}
		}
	}
	return out
}
