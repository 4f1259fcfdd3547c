# VULNERABLE Dockerfile
FROM ubuntu:latest          # Unversioned, large attack surface
RUN apt-get update && apt-get install -y curl wget
COPY . /app
USER root                   # Running as root!
EXPOSE 8080
CMD ["node", "server.js"]
