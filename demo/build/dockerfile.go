package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// step is one instruction of the demo Dockerfile as the image records it:
// a history entry, and for RUN, COPY and ADD a layer.
type step struct {
	original string // the instruction as written
	history  v1.History
	layer    bool
}

// applyDockerfile reads the Dockerfile and returns its steps after FROM,
// setting the image configuration (labels, environment, ports, command)
// the way a build would. Only the instructions the demo uses are known.
func applyDockerfile(src []byte, cfg *v1.Config) ([]step, error) {
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	var steps []step
	for i, node := range res.AST.Children {
		var args []string
		for a := node.Next; a != nil; a = a.Next {
			args = append(args, a.Value)
		}
		// ENV and LABEL come as name, value, separator triples.
		var pairs []string
		for j := 0; j+1 < len(args); j += 3 {
			pairs = append(pairs, args[j]+"="+strings.Trim(args[j+1], `"`))
		}
		json := node.Attributes["json"]
		s := step{original: node.Original, history: v1.History{Created: v1.Time{Time: epoch}, Comment: "buildkit.dockerfile.v0"}}
		switch strings.ToUpper(node.Value) {
		case "FROM":
			if i != 0 {
				return nil, fmt.Errorf("line %d: one stage only", node.StartLine)
			}
			continue
		case "LABEL":
			if cfg.Labels == nil {
				cfg.Labels = map[string]string{}
			}
			for _, p := range pairs {
				k, v, _ := strings.Cut(p, "=")
				cfg.Labels[k] = v
			}
			s.history.CreatedBy = "LABEL " + strings.Join(pairs, " ")
		case "ENV":
			cfg.Env = append(cfg.Env, pairs...)
			s.history.CreatedBy = "ENV " + strings.Join(pairs, " ")
		case "EXPOSE":
			if cfg.ExposedPorts == nil {
				cfg.ExposedPorts = map[string]struct{}{}
			}
			var ports []string
			for _, p := range args {
				if !strings.Contains(p, "/") {
					p += "/tcp"
				}
				cfg.ExposedPorts[p] = struct{}{}
				ports = append(ports, p+":{}")
			}
			sort.Strings(ports)
			s.history.CreatedBy = "EXPOSE map[" + strings.Join(ports, " ") + "]"
		case "CMD":
			cfg.Cmd = args
			if !json {
				cfg.Cmd = []string{"/bin/sh", "-c", strings.Join(args, " ")}
			}
			s.history.CreatedBy = fmt.Sprintf("CMD %q", cfg.Cmd)
		case "RUN":
			if json || len(node.Flags) > 0 {
				return nil, fmt.Errorf("line %d: only shell-form RUN without flags is known", node.StartLine)
			}
			s.history.CreatedBy = "RUN /bin/sh -c " + strings.Join(args, " ") + " # buildkit"
			s.layer = true
		case "ADD", "COPY":
			s.history.CreatedBy = node.Original + " # buildkit"
			s.layer = true
		default:
			return nil, fmt.Errorf("line %d: %s is not an instruction demo/build knows", node.StartLine, node.Value)
		}
		s.history.EmptyLayer = !s.layer
		steps = append(steps, s)
	}
	return steps, nil
}
