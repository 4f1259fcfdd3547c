package host

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxInspectSize bounds one answer of the Docker Engine API read for
// section 5: the container list or one container's inspect.
const MaxInspectSize = 4 << 20

// Container is what GET /containers/{id}/json says of a running
// container, as far as section 5 reads it.
type Container struct {
	ID              string `json:"Id"`
	Name            string
	AppArmorProfile string
	Config          struct {
		Image       string
		Healthcheck *struct{ Test []string }
	}
	State struct {
		Running bool
		Health  *struct{ Status string }
	}
	HostConfig struct {
		Binds         []string
		NetworkMode   string
		PortBindings  map[string][]struct{ HostIP, HostPort string }
		RestartPolicy struct {
			Name              string
			MaximumRetryCount int
		}
		CapAdd         []string
		IpcMode        string
		PidMode        string
		UTSMode        string
		UsernsMode     string
		Privileged     bool
		ReadonlyRootfs bool
		SecurityOpt    []string
		Memory         int64
		CPUShares      int64 `json:"CpuShares"`
		NanoCPUs       int64 `json:"NanoCpus"`
		CPUQuota       int64 `json:"CpuQuota"`
		PidsLimit      *int64
		Devices        []struct{ PathOnHost, PathInContainer string }
		Ulimits        []struct {
			Name       string
			Soft, Hard int64
		}
	}
	Mounts []struct {
		Type, Source, Destination, Propagation string
		RW                                     bool
	}
}

// DecodeContainerIDs reads the answer of GET /containers/json: the IDs of
// the containers listed.
func DecodeContainerIDs(r io.Reader) ([]string, error) {
	var list []struct {
		ID string `json:"Id"`
	}
	if err := decodeBounded(r, &list); err != nil {
		return nil, fmt.Errorf("container list: %w", err)
	}
	ids := make([]string, 0, len(list))
	for _, c := range list {
		if c.ID == "" {
			return nil, errors.New("container list: a container without an ID")
		}
		ids = append(ids, c.ID)
	}
	return ids, nil
}

// DecodeContainer reads the answer of GET /containers/{id}/json.
func DecodeContainer(r io.Reader) (*Container, error) {
	var c Container
	if err := decodeBounded(r, &c); err != nil {
		return nil, fmt.Errorf("container inspect: %w", err)
	}
	if c.ID == "" {
		return nil, errors.New("container inspect: no container ID")
	}
	return &c, nil
}

// decodeBounded decodes one JSON value of at most MaxInspectSize bytes.
func decodeBounded(r io.Reader, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxInspectSize+1))
	if err != nil {
		return err
	}
	if len(data) > MaxInspectSize {
		return fmt.Errorf("larger than %d bytes", MaxInspectSize)
	}
	return json.Unmarshal(data, v)
}
