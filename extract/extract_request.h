// SPDX-License-Identifier: GPL-3.0-or-later
// What the attachment helper is asked to do with the bytes on its standard input, and the
// limits it must hold to (SPEC [limits]); the address space and CPU limits are set by the
// parent as rlimits, these are the ones only the reader itself can check.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace closeout::extract {

struct ExtractRequest {
  std::string kind;      // "pdf" | "docx" | "image" | "tnef" (attachment_kind())
  std::string filename;  // for the reading's filename and messages only
  std::size_t max_pdf_pages = 20;
  std::uint64_t max_image_pixels = 40'000'000;
  std::uint64_t max_attachment_bytes = 20'971'520;  // also bounds what a .docx/TNEF inflates to
  std::string
      tessdata_dir;  // empty: tesseract's default (Debian: /usr/share/tesseract-ocr/5/tessdata)
};

}  // namespace closeout::extract
