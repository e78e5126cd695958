#!/usr/bin/env bash
# Install everything castscript and its test suite need on a fresh Debian machine (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."

# Fonts: Noto core + CJK draw every script burned-in subtitles need (Latin, Cyrillic, Greek, CJK, Arabic, Hebrew,
# Devanagari, Thai); fonts-dejavu-extra has the Latin-only font the missing-glyph test compares against.
APT_PACKAGES=(ffmpeg espeak-ng sox libsox-fmt-all redis-server chromium fonts-noto-core fonts-noto-cjk fonts-dejavu-core fonts-dejavu-extra)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e ".[all,test]" 2>&1 | grep -v "Running pip as the 'root' user" || true
python3 -c "import castscript" && echo "setup: castscript installed ($(command -v castscript))"
