package pipeline

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/host"
)

// defaultDockerSocket is where dockerd listens unless told otherwise.
const defaultDockerSocket = "/var/run/docker.sock"

// dockerHost is the daemon whose containers a host audit of root checks:
// $DOCKER_HOST, else the default socket when the audit is of this
// machine (root /) and the socket exists; "" for none.
func dockerHost(root string) string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	if filepath.Clean(root) != "/" {
		return ""
	}
	if _, err := os.Stat(defaultDockerSocket); err != nil {
		return ""
	}
	return "unix://" + defaultDockerSocket
}

// askDaemon reads the running daemon's docker info, for section 2, and
// its running containers, for section 5. A daemon that cannot be reached
// is a warning, as is an answer that cannot be read.
func askDaemon(ctx context.Context, dockerHost string, hopts *host.Options) ([]misconfig.Warning, error) {
	e, err := image.DialEngine(ctx, dockerHost)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := fmt.Sprintf("docker info and containers not checked (CIS sections 2 and 5 read the files only): %v", err)
		return []misconfig.Warning{{Path: dockerHost, Message: msg}}, nil
	}
	defer e.Close()
	var warnings []misconfig.Warning
	body, err := e.Get(ctx, "/info")
	if err == nil {
		hopts.Info, err = host.DecodeInfo(body)
		body.Close()
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		warnings = append(warnings, misconfig.Warning{Path: dockerHost, Message: fmt.Sprintf("docker info not read (CIS section 2 reads the files only): %v", err)})
	}
	var more []misconfig.Warning
	hopts.Containers, more, err = runningContainers(ctx, e, dockerHost)
	return append(warnings, more...), err
}

// runningContainers lists the engine's running containers and inspects
// each. A container gone between the list and its inspect is a warning.
func runningContainers(ctx context.Context, e *image.Engine, dockerHost string) ([]*host.Container, []misconfig.Warning, error) {
	warn := func(format string, args ...any) []misconfig.Warning {
		msg := fmt.Sprintf(format, args...)
		return []misconfig.Warning{{Path: dockerHost, Message: msg}}
	}
	body, err := e.Get(ctx, "/containers/json?all=false")
	if err != nil {
		return nil, warn("containers not checked (CIS section 5): %v", err), ctx.Err()
	}
	ids, err := host.DecodeContainerIDs(body)
	body.Close()
	if err != nil {
		return nil, warn("containers not checked (CIS section 5): %v", err), nil
	}
	var (
		out      []*host.Container
		warnings []misconfig.Warning
	)
	for _, id := range ids {
		body, err := e.Get(ctx, "/containers/"+url.PathEscape(id)+"/json")
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			warnings = append(warnings, warn("container %s not checked: %v", id, err)...)
			continue
		}
		c, err := host.DecodeContainer(body)
		body.Close()
		if err != nil {
			warnings = append(warnings, warn("container %s not checked: %v", id, err)...)
			continue
		}
		if c.State.Running {
			out = append(out, c)
		}
	}
	return out, warnings, nil
}
