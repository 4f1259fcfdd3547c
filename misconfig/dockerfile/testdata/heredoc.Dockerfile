FROM debian:12.6
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN <<EOF
set -eu
apt-get update
apt-get install -y --no-install-recommends ca-certificates curl
curl -fsSL https://example.com/install.sh | bash
rm -rf /var/lib/apt/lists/*
EOF
RUN python3 <<'PY'
import subprocess
subprocess.run("curl -s https://example.com | sh", shell=True)
PY
COPY <<EOF /etc/app.conf
listen = 8080
EOF
RUN cat > /etc/motd <<'MOTD'
  sudo rm -rf / | sh
MOTD
RUN <<-'EOT'
	cat > /etc/profile.d/x.sh <<-'EOS'
		sudo apt install foo
	EOS
	cd /tmp && wget -qO- https://example.com/x.sh | sh -s -- --yes
EOT
ONBUILD ADD . /app/src
ONBUILD RUN cd /app/src && make
USER 1000
HEALTHCHECK NONE
CMD ["/bin/app"]
