package misconfig

import "strings"

// Kinds of configuration file, by name.
const (
	KindNone = iota
	KindDockerfile
	KindCompose
	// KindManifest is any YAML or JSON file: a Kubernetes manifest if
	// its content says so.
	KindManifest
)

// Classify says what kind of configuration a file name suggests.
func Classify(name string) int {
	lower := strings.ToLower(name)
	switch {
	case lower == "dockerfile" || lower == "containerfile" ||
		strings.HasPrefix(lower, "dockerfile.") || strings.HasSuffix(lower, ".dockerfile") ||
		strings.HasPrefix(lower, "containerfile."):
		return KindDockerfile
	case (strings.HasPrefix(lower, "docker-compose") || strings.HasPrefix(lower, "compose")) &&
		(strings.HasSuffix(lower, ".yml") || strings.HasSuffix(lower, ".yaml")):
		return KindCompose
	case strings.HasSuffix(lower, ".yaml") || strings.HasSuffix(lower, ".yml") || strings.HasSuffix(lower, ".json"):
		return KindManifest
	}
	return KindNone
}

// LooksLikeKubernetes tells a Kubernetes manifest from other YAML or
// JSON: it names an apiVersion and a kind near the start.
func LooksLikeKubernetes(data []byte) bool {
	s := string(data[:min(len(data), 64<<10)])
	return strings.Contains(s, "apiVersion") && strings.Contains(s, "kind")
}
