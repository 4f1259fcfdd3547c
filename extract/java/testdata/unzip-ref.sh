#!/bin/sh
# Lists every pom.properties in a war, one level of nesting deeper each
# pass, as "<archive path inside the war> <group>:<artifact>:<version>",
# using Info-ZIP unzip only.
set -e
war=$(realpath "$1"); tmp=$(mktemp -d); cd "$tmp"
gav() { unzip -p "$1" "$2" | awk -F= '/^groupId=/{g=$2} /^artifactId=/{a=$2} /^version=/{v=$2} END{print g":"a":"v}'; }
list() { # $1 archive file, $2 its location label
  for p in $(unzip -Z1 "$1" | grep '^META-INF/maven/[^/]*/[^/]*/pom.properties$'); do echo "$2 $(gav "$1" "$p")"; done
  for j in $(unzip -Z1 "$1" | grep -i '\.jar$'); do
    d=$(mktemp -d); unzip -q "$1" "$j" -d "$d"; list "$d/$j" "$2!/$j"
  done
}
list "$war" . | sort
rm -rf "$tmp"
