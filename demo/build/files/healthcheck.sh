#!/bin/sh
# Fetched by the demo Dockerfile's "ADD https://get.example.invalid/..."
# (a made-up URL; demo/build writes this file). The image never runs it:
# it has no HEALTHCHECK instruction.
exec wget -q -O /dev/null http://127.0.0.1:8080/title
