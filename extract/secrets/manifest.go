package secrets

import (
	"fmt"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig/manifest"
	"github.com/bulwark-sec/bulwark/secret"
)

// decodeVersion is part of the extractors' cache versions: it changes
// when kubernetesSecrets (or manifest.SecretData under it) hands the
// engine different values.
const decodeVersion = 1

// kubernetesSecrets is the secret.Decoder for files: in manifests
// (.yaml, .yml, .json), each value of a Kubernetes Secret's data, whose
// base64 no token pattern matches, is scanned decoded.
func kubernetesSecrets(p string, text []byte) []secret.Decoded {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml", ".json":
	default:
		return nil
	}
	vals := manifest.SecretData(p, text) // a broken manifest still had its text scanned
	out := make([]secret.Decoded, len(vals))
	for i, v := range vals {
		out[i] = secret.Decoded{
			Name: v.Key, Value: v.Value, Line: v.Line,
			Encoding: fmt.Sprintf("base64 (Secret %s data.%s)", v.Secret, v.Key),
		}
	}
	return out
}
