#!/usr/bin/env bash
# Installs what the local stack and the tests need on a Debian/Ubuntu machine
# with Node 20: redis-server (every cache of the local stack is a real one),
# openssl (TLS certificates for local caches), cfn-lint (checks the packaged
# CloudFormation template; test/package/cfn-lint.test.ts fails without it), and
# the npm packages pinned by package-lock.json. The AWS CLI is optional: tests
# that drive the stack with it say they are skipped when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  echo "installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "installing: cfn-lint"
  python3 -m pip install --quiet --disable-pip-version-check cfn-lint==1.51.0
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
