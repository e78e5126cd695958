#!/usr/bin/env bash
# Install what the suite needs, then run it against the offline model bundle and the shared media.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CASTSCRIPT_MODELS="${CASTSCRIPT_MODELS:-$(cd .. && pwd)/shared/models}"
export CASTSCRIPT_MEDIA="${CASTSCRIPT_MEDIA:-$(cd .. && pwd)/shared/media}"
export CASTSCRIPT_OFFLINE=1
exec python3 -m pytest "$@"
