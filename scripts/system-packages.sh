#!/usr/bin/env bash
# Install the Debian packages the book needs, as root: the Fashion-MNIST data, a browser
# for the browser checks, and for the PDF edition (make pdf) TeX Live with XeLaTeX and
# latexmk, the fonts it uses (FreeSerif/FreeSans, DejaVu Sans Mono) and poppler-utils
# (pdftotext, pdfinfo, pdfimages, pdftoppm: the checks of the PDF). texlive-fonts-extra
# is large, but Jupyter Book's LaTeX class (jupyterBook.cls) requires its bbm package.
set -euo pipefail
packages=(dataset-fashion-mnist chromium chromium-driver
          texlive-xetex texlive-latex-extra texlive-fonts-recommended texlive-fonts-extra
          latexmk fonts-freefont-otf fonts-dejavu-core poppler-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: not root (or no apt-get), so these Debian packages were not installed: ${missing[*]}" >&2
  echo "      install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  echo "      (without TeX Live and poppler-utils, make pdf and the PDF checks fail)" >&2
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
  echo "error: apt-get could not install ${missing[*]} (offline, or no Debian mirror?)." >&2
  echo "       Install them by hand, then run make again." >&2
  exit 1
fi
