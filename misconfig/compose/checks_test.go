package compose

import (
	"strings"
	"testing"
)

// svc wraps service settings (indented by four spaces) into a file whose
// service "app" starts on line 2 and whose settings start on line 3.
func svc(settings string) string {
	return "services:\n  app:\n" + settings
}

// TestChecks runs every check on a failing and a passing service. line is
// where the finding must be; 0 means the check must not fire.
func TestChecks(t *testing.T) {
	base := "    image: nginx:1.27\n    read_only: true\n    mem_limit: 256m\n"
	tests := []struct {
		name, check, yaml string
		line              int
		msg               string
	}{
		{"privileged", "BW-CMP-001", svc(base + "    privileged: true\n"), 6, `service "app" sets privileged: true`},
		{"not privileged", "BW-CMP-001", svc(base + "    privileged: false\n"), 0, ""},

		{"cap SYS_ADMIN", "BW-CMP-002", svc(base + "    cap_add:\n      - CHOWN\n      - SYS_ADMIN\n"), 8, "adds capability SYS_ADMIN"},
		{"cap CAP_ prefix", "BW-CMP-002", svc(base + "    cap_add: [cap_sys_ptrace]\n"), 6, "adds capability CAP_SYS_PTRACE"},
		{"cap ALL", "BW-CMP-002", svc(base + "    cap_add: [ALL]\n"), 6, "ALL"},
		{"cap harmless", "BW-CMP-002", svc(base + "    cap_add: [NET_BIND_SERVICE, CHOWN]\n    cap_drop: [SYS_ADMIN]\n"), 0, ""},

		{"socket short", "BW-CMP-003", svc(base + "    volumes:\n      - ./data:/data\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n"), 8, "mounts the container runtime socket /var/run/docker.sock at /var/run/docker.sock (read-only)"},
		{"socket long", "BW-CMP-003", svc(base + "    volumes:\n      - type: bind\n        source: /run/docker.sock\n        target: /docker.sock\n"), 7, "/run/docker.sock"},
		{"socket folder", "BW-CMP-003", svc(base + "    volumes: [\"/var/run:/host/run\"]\n"), 6, "/var/run"},
		{"containerd socket", "BW-CMP-003", svc(base + "    volumes: [\"/run/containerd/containerd.sock:/c.sock\"]\n"), 6, "containerd.sock"},
		{"api socket", "BW-CMP-003", svc(base + "    use_api_socket: true\n"), 6, "use_api_socket"},
		{"socket named volume", "BW-CMP-003", svc(base + "    volumes: [\"dind-sock:/var/run/docker.sock\"]\nvolumes:\n  dind-sock: {}\n"), 0, ""},

		{"host root", "BW-CMP-004", svc(base + "    volumes: [\"/:/host:ro\"]\n"), 6, "mounts host path / at /host (read-only)"},
		{"host etc", "BW-CMP-004", svc(base + "    volumes:\n      - /etc:/host/etc\n"), 7, "/etc"},
		{"host proc sub", "BW-CMP-004", svc(base + "    volumes:\n      - type: bind\n        source: /proc/1/root\n        target: /p\n"), 7, "/proc/1/root"},
		{"host sys trailing slash", "BW-CMP-004", svc(base + "    volumes: [\"/sys/:/sys\"]\n"), 6, "/sys"},
		{"host ordinary", "BW-CMP-004", svc(base + "    volumes:\n      - /etc/localtime:/etc/localtime:ro\n      - ./data:/data\n      - /srv/app:/app\n      - cache:/cache\nvolumes:\n  cache: {}\n"), 0, ""},

		{"host network", "BW-CMP-005", svc(base + "    network_mode: host\n"), 6, "sets network_mode: host"},
		{"bridge network", "BW-CMP-005", svc(base + "    network_mode: bridge\n"), 0, ""},
		{"host pid", "BW-CMP-006", svc(base + "    pid: host\n"), 6, "pid: host"},
		{"service pid", "BW-CMP-006", svc(base + "    pid: \"service:db\"\n"), 0, ""},
		{"host ipc", "BW-CMP-007", svc(base + "    ipc: host\n"), 6, "ipc: host"},
		{"shareable ipc", "BW-CMP-007", svc(base + "    ipc: shareable\n"), 0, ""},
		{"host userns", "BW-CMP-008", svc(base + "    userns_mode: host\n"), 6, "userns_mode: host"},
		{"default userns", "BW-CMP-008", svc(base), 0, ""},

		{"seccomp off", "BW-CMP-009", svc(base + "    security_opt:\n      - no-new-privileges:true\n      - seccomp:unconfined\n"), 8, "seccomp:unconfined"},
		{"apparmor off", "BW-CMP-009", svc(base + "    security_opt: [\"apparmor=unconfined\"]\n"), 6, "apparmor=unconfined"},
		{"selinux off", "BW-CMP-009", svc(base + "    security_opt: [\"label:disable\"]\n"), 6, "label:disable"},
		{"confined", "BW-CMP-009", svc(base + "    security_opt: [\"no-new-privileges:true\", \"seccomp=./profile.json\"]\n"), 0, ""},

		{"device", "BW-CMP-010", svc(base + "    devices:\n      - /dev/sda:/dev/xvda:rwm\n"), 7, "host device /dev/sda"},
		{"no device", "BW-CMP-010", svc(base), 0, ""},

		{"user root", "BW-CMP-011", svc(base + "    user: root\n"), 6, `sets user: "root"`},
		{"user 0:0", "BW-CMP-011", svc(base + "    user: \"0:0\"\n"), 6, `"0:0"`},
		{"user uid 0", "BW-CMP-011", svc(base + "    user: \"0\"\n"), 6, `"0"`},
		{"user non-root", "BW-CMP-011", svc(base + "    user: \"1000:1000\"\n"), 0, ""},
		{"user named", "BW-CMP-011", svc(base + "    user: rootless\n"), 0, ""},

		{"image latest", "BW-CMP-012", svc("    image: nginx:latest\n    read_only: true\n"), 3, "tagged latest"},
		{"image untagged", "BW-CMP-012", svc("    image: nginx\n"), 3, "no tag"},
		{"image registry port untagged", "BW-CMP-012", svc("    image: registry.local:5000/team/app\n"), 3, "no tag"},
		{"image default latest", "BW-CMP-012", svc("    image: app:${TAG:-latest}\n"), 3, `"app:latest", tagged latest`},
		{"image tagged", "BW-CMP-012", svc("    image: registry.local:5000/team/app:1.4.2\n"), 0, ""},
		{"image digest", "BW-CMP-012", svc("    image: nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"), 0, ""},
		{"image from variable", "BW-CMP-012", svc("    image: app:${TAG}\n"), 0, ""},
		{"image built", "BW-CMP-012", svc("    build: .\n    image: myapp\n"), 0, ""},

		{"postgres all interfaces", "BW-CMP-013", svc(base + "    ports:\n      - \"8080:80\"\n      - \"5432:5432\"\n"), 8, "publishes PostgreSQL port 5432 on all host interfaces"},
		{"redis 0.0.0.0", "BW-CMP-013", svc(base + "    ports: [\"0.0.0.0:6379:6379\"]\n"), 6, "Redis"},
		{"mongo long syntax", "BW-CMP-013", svc(base + "    ports:\n      - target: 27017\n        published: \"27017\"\n"), 7, "MongoDB"},
		{"remapped host port", "BW-CMP-013", svc(base + "    ports: [\"15432:5432\"]\n"), 6, "PostgreSQL"},
		{"sensitive host port", "BW-CMP-013", svc(base + "    ports: [\"2375:8080\"]\n"), 6, "publishes container port 8080 on host port 2375 (Docker API)"},
		{"ephemeral ssh", "BW-CMP-013", svc(base + "    ports: [\"22\"]\n"), 6, "SSH"},
		{"loopback", "BW-CMP-013", svc(base + "    ports: [\"127.0.0.1:5432:5432\", \"[::1]:6379:6379\", \"8080:80\"]\n"), 0, ""},
		{"expose only", "BW-CMP-013", svc(base + "    expose: [\"5432\"]\n"), 0, ""},

		{"env password map", "BW-CMP-014", svc(base + "    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD: hunter2\n"), 8, "sets environment variable POSTGRES_PASSWORD to a literal value"},
		{"env token list", "BW-CMP-014", svc(base + "    environment:\n      - MODE=prod\n      - API_TOKEN=abc123\n"), 8, "API_TOKEN"},
		{"env app key", "BW-CMP-014", svc(base + "    environment:\n      APP_KEY: base64:Zq8x3Kd9fTn2LmWp0RvYb7Hs\n"), 7, "APP_KEY"},
		{"env engine match", "BW-CMP-014", svc(base + "    environment:\n      CI_AUTH: ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n"), 7, "CI_AUTH to what looks like a"},
		{"env references", "BW-CMP-014", svc(base + "    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n      DB_PASSWORD: \"${DB_PASSWORD:-}\"\n      API_TOKEN:\n"), 0, ""},
		{"env not secrets", "BW-CMP-014", svc(base + "    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/db\n      PASSWORD_MIN_LENGTH: \"12\"\n      SSL_KEY: /etc/ssl/private/app.key\n      TOKEN_ENABLED: \"true\"\n      MODE: production\n"), 0, ""},

		{"writable root", "BW-CMP-015", svc("    image: nginx:1.27\n"), 2, `service "app" does not set read_only: true`},
		{"read-only root", "BW-CMP-015", svc("    image: nginx:1.27\n    read_only: true\n"), 0, ""},
		{"no memory limit", "BW-CMP-016", svc("    image: nginx:1.27\n"), 2, "sets neither mem_limit nor deploy.resources.limits.memory"},
		{"mem_limit", "BW-CMP-016", svc("    image: nginx:1.27\n    mem_limit: 512m\n"), 0, ""},
		{"deploy limit", "BW-CMP-016", svc("    image: nginx:1.27\n    deploy:\n      resources:\n        limits:\n          memory: 128M\n"), 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Scan("compose.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			var hits []int
			for _, f := range fs {
				if f.CheckID != tt.check {
					continue
				}
				hits = append(hits, f.StartLine)
				if tt.line == 0 {
					t.Errorf("unexpected finding: %s", f.Message)
					continue
				}
				if f.StartLine != tt.line || !strings.Contains(f.Message, tt.msg) {
					t.Errorf("got line %d %q, want line %d containing %q", f.StartLine, f.Message, tt.line, tt.msg)
				}
				if f.Resource.Kind != "service" || f.Resource.Name != "app" || f.File != "compose.yaml" {
					t.Errorf("resource %v file %q", f.Resource, f.File)
				}
			}
			if tt.line != 0 && len(hits) != 1 {
				t.Errorf("%s fired %d times, want once", tt.check, len(hits))
			}
		})
	}
}

// TestSecretValueNotPrinted: no part of a finding repeats the secret.
func TestSecretValueNotPrinted(t *testing.T) {
	const value = "S3cr3tV4lu3Xq9"
	fs, err := Scan("c.yaml", []byte(svc("    image: a:1\n    environment:\n      DB_PASSWORD: "+value+"\n      GH: ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n")))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fs {
		if f.CheckID == "BW-CMP-014" {
			n++
		}
		for _, s := range []string{f.Message, f.Title, f.Fix, f.Rationale} {
			if strings.Contains(s, value) || strings.Contains(s, "ghp_") {
				t.Errorf("finding repeats the secret: %q", s)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d secret findings, want 2", n)
	}
}
