#!/bin/sh
# Installs the Debian packages named in $DEB that are not installed yet, non-interactively.
# $SUDO is "sudo" when not root. apt's lock can be held by another apt for a while: retry.
set -eu
missing=""
for p in $DEB; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
for attempt in 1 2 3 4 5; do
    if $SUDO apt-get update -q >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null; then
        exit 0
    fi
    echo "apt-get failed (attempt $attempt); retrying in 10 s" >&2
    sleep 10
done
echo "could not install:$missing" >&2
exit 1
