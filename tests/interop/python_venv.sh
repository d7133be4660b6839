#!/usr/bin/env bash
# Prints the path of a virtualenv with python `websockets` installed, creating it on first
# use (target/interop-venv). Prefers pyenv's 3.12, else python3. Loud on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/interop-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import websockets' 2>/dev/null; then
  py=""
  if command -v pyenv >/dev/null 2>&1; then
    v=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.12' | tail -1 || true)
    [ -n "$v" ] && py="$(pyenv root)/versions/$v/bin/python"
  fi
  [ -z "$py" ] && [ -x "$HOME/.pyenv/versions/3.12"*/bin/python ] 2>/dev/null && py=$(ls -d "$HOME"/.pyenv/versions/3.12*/bin/python | tail -1)
  [ -z "$py" ] && py=$(command -v python3)
  "$py" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet 'websockets>=13' >&2
fi
echo "$PWD/$venv"
