package manifest

import (
	"bytes"
	"encoding/base64"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxSecretValue bounds one decoded value of a Secret's data; larger
// values are left out.
const MaxSecretValue = 1 << 20

// SecretValue is one value of a Kubernetes Secret's data, decoded.
type SecretValue struct {
	// Secret names the Secret: namespace/name, or name alone.
	Secret string
	// Key is the value's key under data:.
	Key   string
	Value []byte
	// Line is where the encoded value is in the file.
	Line int
}

// SecretData lists the values under data: of the Secrets in a file,
// base64-decoded, in file order. Values that are not text scalars, not
// valid base64 or larger than MaxSecretValue are left out. A file that
// does not parse gives the values of the objects before the break.
//
// Secret scanning reads these (extract/secrets): the values are base64
// there, and no token pattern matches base64.
func SecretData(file string, data []byte) []SecretValue {
	// A cheap gate before any YAML parsing.
	if !bytes.Contains(data, []byte("Secret")) || !bytes.Contains(data, []byte("data")) {
		return nil
	}
	objs, _ := Decode(file, data)
	var out []SecretValue
	for _, o := range objs {
		if o.Kind != "Secret" || o.Node == nil {
			continue
		}
		dataNode := Lookup(o.Node, "data")
		if dataNode == nil || dataNode.Kind != yaml.MappingNode {
			continue
		}
		name := o.Name
		if o.Namespace != "" {
			name = o.Namespace + "/" + name
		}
		for i := 0; i+1 < len(dataNode.Content); i += 2 {
			k, v := dataNode.Content[i], dataNode.Content[i+1]
			if v.Kind != yaml.ScalarNode || len(v.Value) > MaxSecretValue*4/3+4 {
				continue
			}
			// Long values are often wrapped over lines.
			decoded, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v.Value), ""))
			if err != nil {
				continue
			}
			out = append(out, SecretValue{Secret: name, Key: k.Value, Value: decoded, Line: v.Line})
		}
	}
	return out
}
