#!/bin/sh
# Regenerates the .docx files of this folder (see README.md). Not run by CI: the files are
# committed. Needs libreoffice-writer-nogui (soffice) and python3.
set -eu
cd "$(dirname "$0")"
for f in table-form paragraphs legacy-form-fields text-box; do
  soffice --headless --convert-to docx:"MS Word 2007 XML" --outdir . "src/$f.fodt" >/dev/null
done
python3 src/make_docx.py .
