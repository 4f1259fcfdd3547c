package secret

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxConfigSize bounds a secret configuration file.
const MaxConfigSize = 1 << 20

// Config is a user's secret configuration (--secret-config): rules of
// their own, built-in rules turned off, and allowlists.
//
//	disable-builtin: false        # true: only the rules below
//	disable-rules: [generic-password]
//	rules:
//	  - id: acme-api-key
//	    title: ACME API key
//	    severity: HIGH
//	    keywords: [acme_]
//	    regex: 'acme_[a-z0-9]{32}'
//	    secret-group: 0           # submatch holding the secret
//	    min-entropy: 3.0
//	    paths: ['\.conf$']        # only these files
//	    allow-values: ['^acme_test_']
//	allow-rules:                  # allowlists for single rules
//	  - id: aws-access-key-id
//	    paths: ['^test/fixtures/']
//	    values: ['^AKIAI44QH8DHB']
//	allow-paths: ['^vendor/', '\.lock$']   # every rule
//	allow-values: ['^sk_test_']            # every rule
//
// Patterns are Go regular expressions (RE2: linear time, whatever the
// input). Paths are slash-separated and relative to the scanned root.
type Config struct {
	DisableBuiltin bool         `yaml:"disable-builtin"`
	DisableRules   []string     `yaml:"disable-rules"`
	Rules          []ConfigRule `yaml:"rules"`
	AllowRules     []AllowRule  `yaml:"allow-rules"`
	AllowPaths     []string     `yaml:"allow-paths"`
	AllowValues    []string     `yaml:"allow-values"`
}

// ConfigRule is a user-defined rule.
type ConfigRule struct {
	ID          string   `yaml:"id"`
	Title       string   `yaml:"title"`
	Severity    string   `yaml:"severity"`
	Keywords    []string `yaml:"keywords"`
	Regex       string   `yaml:"regex"`
	SecretGroup int      `yaml:"secret-group"`
	MinEntropy  float64  `yaml:"min-entropy"`
	Paths       []string `yaml:"paths"`
	AllowValues []string `yaml:"allow-values"`
}

// AllowRule adds allowlists to one rule, built-in or not.
type AllowRule struct {
	ID     string   `yaml:"id"`
	Paths  []string `yaml:"paths"`
	Values []string `yaml:"values"`
}

// LoadConfig reads a configuration file.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secret config: %w", err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxConfigSize+1)); err != nil {
		return nil, fmt.Errorf("secret config: %s: %w", path, err)
	}
	if buf.Len() > MaxConfigSize {
		return nil, fmt.Errorf("secret config: %s: larger than %d bytes", path, MaxConfigSize)
	}
	return ParseConfig(buf.Bytes())
}

// ParseConfig reads a configuration from YAML; unknown keys are errors, so
// a misspelt "allow-path" does not silently allow nothing.
func ParseConfig(data []byte) (cfg *Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			cfg, err = nil, fmt.Errorf("secret config: yaml parser panic: %v", r)
		}
	}()
	cfg = &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("secret config: %w", err)
	}
	return cfg, nil
}

// Apply builds the rule set and options the configuration describes on
// top of the built-in rules.
func (c *Config) Apply(builtin []Rule, opts Options) ([]Rule, Options, error) {
	var rules []Rule
	if !c.DisableBuiltin {
		off := map[string]bool{}
		known := map[string]bool{}
		for _, r := range builtin {
			known[r.ID] = true
		}
		for _, id := range c.DisableRules {
			if !known[id] {
				return nil, opts, fmt.Errorf("secret config: disable-rules: no rule %q", id)
			}
			off[id] = true
		}
		for _, r := range builtin {
			if !off[r.ID] {
				rules = append(rules, r)
			}
		}
	}
	ids := map[string]int{}
	for i, r := range rules {
		ids[r.ID] = i
	}
	for _, cr := range c.Rules {
		r, err := cr.rule()
		if err != nil {
			return nil, opts, err
		}
		if _, dup := ids[r.ID]; dup {
			return nil, opts, fmt.Errorf("secret config: rule %q: the ID is taken", r.ID)
		}
		ids[r.ID] = len(rules)
		rules = append(rules, r)
	}
	for _, a := range c.AllowRules {
		i, ok := ids[a.ID]
		if !ok {
			return nil, opts, fmt.Errorf("secret config: allow-rules: no rule %q", a.ID)
		}
		paths, err := compileAll(a.Paths, "allow-rules "+a.ID+" paths")
		if err != nil {
			return nil, opts, err
		}
		values, err := compileAll(a.Values, "allow-rules "+a.ID+" values")
		if err != nil {
			return nil, opts, err
		}
		// Copy the slices: built-in rules share them across engines.
		r := rules[i]
		r.AllowPaths = append(append([]*regexp.Regexp(nil), r.AllowPaths...), paths...)
		r.AllowValues = append(append([]*regexp.Regexp(nil), r.AllowValues...), values...)
		rules[i] = r
	}
	paths, err := compileAll(c.AllowPaths, "allow-paths")
	if err != nil {
		return nil, opts, err
	}
	values, err := compileAll(c.AllowValues, "allow-values")
	if err != nil {
		return nil, opts, err
	}
	opts.AllowPaths = append(append([]*regexp.Regexp(nil), opts.AllowPaths...), paths...)
	opts.AllowValues = append(append([]*regexp.Regexp(nil), opts.AllowValues...), values...)
	if len(rules) == 0 {
		return nil, opts, errors.New("secret config: no rules left")
	}
	return rules, opts, nil
}

func (cr ConfigRule) rule() (Rule, error) {
	where := fmt.Sprintf("secret config: rule %q", cr.ID)
	if cr.ID == "" || strings.ContainsAny(cr.ID, " \t\n") {
		return Rule{}, fmt.Errorf("%s: an ID without spaces is required", where)
	}
	sev := strings.ToUpper(cr.Severity)
	switch sev {
	case Critical, High, Medium, Low:
	case "":
		sev = High
	default:
		return Rule{}, fmt.Errorf("%s: severity %q (want CRITICAL, HIGH, MEDIUM or LOW)", where, cr.Severity)
	}
	if len(cr.Keywords) == 0 {
		return Rule{}, fmt.Errorf("%s: keywords are required: the engine runs a rule's regex only where one appears", where)
	}
	for _, k := range cr.Keywords {
		if len(k) < 2 {
			return Rule{}, fmt.Errorf("%s: keyword %q is shorter than 2 characters", where, k)
		}
	}
	re, err := regexp.Compile(cr.Regex)
	if err != nil || cr.Regex == "" {
		return Rule{}, fmt.Errorf("%s: regex: %v", where, err)
	}
	if cr.SecretGroup < 0 || cr.SecretGroup > re.NumSubexp() {
		return Rule{}, fmt.Errorf("%s: secret-group %d, but the regex has %d groups", where, cr.SecretGroup, re.NumSubexp())
	}
	r := Rule{
		ID: cr.ID, Title: cr.Title, Severity: sev, Keywords: cr.Keywords, Regex: re,
		SecretGroup: cr.SecretGroup, MinEntropy: cr.MinEntropy,
	}
	if r.Title == "" {
		r.Title = cr.ID
	}
	if len(cr.Paths) > 0 {
		if r.Paths, err = regexp.Compile("(?:" + strings.Join(cr.Paths, ")|(?:") + ")"); err != nil {
			return Rule{}, fmt.Errorf("%s: paths: %v", where, err)
		}
	}
	if r.AllowValues, err = compileAll(cr.AllowValues, "rule "+cr.ID+" allow-values"); err != nil {
		return Rule{}, err
	}
	return r, nil
}

func compileAll(patterns []string, what string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("secret config: %s: %v", what, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// engineVersion changes when the engine finds different things from the
// same rules (2 came with scanning decoded values, now ScanWith; what is
// decoded is the caller's, and extract/secrets versions it).
const engineVersion = 2

// Fingerprint identifies what the engine finds: its rules, allowlists and
// limits. Caches of results key on it.
func (e *Engine) Fingerprint() uint32 {
	h := crc32.NewIEEE()
	fmt.Fprintf(h, "engine %d\x00", engineVersion)
	for _, r := range e.rules {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%v\x00%d\x00%f\x00%v\x00%v\x00%v\x00", r.ID, r.Severity, r.Regex, r.Keywords, r.SecretGroup, r.MinEntropy, r.Paths, r.AllowValues, r.AllowPaths)
	}
	fmt.Fprintf(h, "%d\x00%v\x00%v", e.opts.MaxFileSize, e.opts.AllowPaths, e.opts.AllowValues)
	return h.Sum32()
}
