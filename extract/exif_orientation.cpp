// SPDX-License-Identifier: GPL-3.0-or-later
// Walks the JPEG markers up to the first scan, and in an "Exif" APP1 segment reads IFD0 for tag
// 0x0112. Every offset is checked against the segment before it is read.
#include "exif_orientation.h"

#include <cstddef>
#include <cstdint>

namespace closeout::extract {
namespace {

constexpr unsigned kOrientationTag = 0x0112;
constexpr unsigned kTypeShort = 3;

struct TiffView {
  std::string_view data;
  bool big_endian = false;

  bool has(std::size_t at, std::size_t n) const {
    return at <= data.size() && n <= data.size() - at;
  }
  unsigned u16(std::size_t at) const {
    auto b = [&](std::size_t i) {
      return static_cast<unsigned>(static_cast<unsigned char>(data[i]));
    };
    return big_endian ? (b(at) << 8) | b(at + 1) : (b(at + 1) << 8) | b(at);
  }
  std::uint32_t u32(std::size_t at) const {
    std::uint32_t hi = u16(at), lo = u16(at + 2);
    return big_endian ? (hi << 16) | lo : (lo << 16) | hi;
  }
};

int orientation_in_exif(std::string_view tiff) {
  TiffView t{tiff};
  if (!t.has(0, 8)) return 1;
  if (tiff.substr(0, 2) == "MM")
    t.big_endian = true;
  else if (tiff.substr(0, 2) != "II")
    return 1;
  if (t.u16(2) != 42) return 1;
  std::size_t ifd = t.u32(4);
  if (!t.has(ifd, 2)) return 1;
  unsigned entries = t.u16(ifd);
  for (unsigned i = 0; i < entries; ++i) {
    std::size_t entry = ifd + 2 + std::size_t{12} * i;
    if (!t.has(entry, 12)) return 1;
    if (t.u16(entry) != kOrientationTag) continue;
    if (t.u16(entry + 2) != kTypeShort || t.u32(entry + 4) < 1) return 1;
    unsigned value = t.u16(entry + 8);
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

}  // namespace

int jpeg_exif_orientation(std::string_view jpeg) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(jpeg[i]); };
  if (jpeg.size() < 4 || byte(0) != 0xFF || byte(1) != 0xD8) return 1;
  std::size_t at = 2;
  while (at + 4 <= jpeg.size()) {
    if (byte(at) != 0xFF) return 1;
    unsigned marker = byte(at + 1);
    if (marker == 0xFF) {  // fill byte before a marker
      ++at;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return 1;  // the scan starts: no more metadata
    std::size_t length = (std::size_t{byte(at + 2)} << 8) | byte(at + 3);
    if (length < 2 || at + 2 + length > jpeg.size()) return 1;
    std::string_view segment = jpeg.substr(at + 4, length - 2);
    if (marker == 0xE1 && segment.size() > 6 &&
        segment.substr(0, 6) == std::string_view("Exif\0\0", 6))
      return orientation_in_exif(segment.substr(6));
    at += 2 + length;
  }
  return 1;
}

}  // namespace closeout::extract
