// SPDX-License-Identifier: GPL-3.0-or-later
// Reading order matters here: the central directory is only counted and stat'ed until every
// limit has passed, and only then is the one entry inflated, in chunks, up to the cap.
#include "zip_entry_reader.h"

#include <zip.h>

#include <algorithm>
#include <memory>

namespace closeout::extract {
namespace {

struct ArchiveCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct FileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using Archive = std::unique_ptr<zip_t, ArchiveCloser>;
using File = std::unique_ptr<zip_file_t, FileCloser>;

std::string open_error(int code) {
  switch (code) {
    case ZIP_ER_NOZIP:
      return "not a zip archive (damaged or cut short)";
    case ZIP_ER_INCONS:
      return "the zip archive is damaged";
    case ZIP_ER_MEMORY:
      return "out of memory opening the zip archive";
    default: {
      zip_error_t e;
      zip_error_init_with_code(&e, code);
      std::string text = std::string("the zip archive cannot be opened: ") + zip_error_strerror(&e);
      zip_error_fini(&e);
      return text;
    }
  }
}

Archive open_archive(std::string_view bytes, std::string* error) {
  zip_error_t err;
  zip_error_init(&err);
  // libzip reads the buffer in place (freep 0: we keep ownership).
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (!src) {
    *error = open_error(zip_error_code_zip(&err));
    zip_error_fini(&err);
    return nullptr;
  }
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &err);
  if (!za) {
    zip_source_free(src);
    *error = open_error(zip_error_code_zip(&err));
  }
  zip_error_fini(&err);
  return Archive(za);
}

ZipEntry failure(std::string error, std::string limit = {}) {
  ZipEntry e;
  e.error = std::move(error);
  if (!limit.empty()) e.limits_tripped.push_back(std::move(limit));
  return e;
}

// The limits that can be checked from the central directory alone.
std::optional<ZipEntry> refuse_by_stat(const zip_stat_t& st, std::string_view name,
                                       const ZipLimits& limits) {
  if (!(st.valid & ZIP_STAT_SIZE)) return failure(std::string(name) + " has no size");
  if (st.size > limits.max_entry_bytes)
    return failure(std::string(name) + " would inflate to " + std::to_string(st.size) +
                       " bytes, more than max_attachment_bytes (" +
                       std::to_string(limits.max_entry_bytes) + ")",
                   "max_attachment_bytes");
  if (st.size > limits.big_entry_bytes && (st.valid & ZIP_STAT_COMP_SIZE) &&
      st.size / std::max<zip_uint64_t>(st.comp_size, 1) > limits.max_ratio)
    return failure("looks like a zip bomb: " + std::string(name) + " inflates " +
                       std::to_string(st.size / std::max<zip_uint64_t>(st.comp_size, 1)) +
                       " times its compressed size",
                   "zip_ratio");
  return std::nullopt;
}

}  // namespace

ZipEntry read_zip_entry(std::string_view archive, std::string_view name, const ZipLimits& limits) {
  std::string error;
  Archive za = open_archive(archive, &error);
  if (!za) return failure(error);
  zip_int64_t entries = zip_get_num_entries(za.get(), 0);
  if (entries < 0) return failure("the zip archive is damaged");
  if (static_cast<zip_uint64_t>(entries) > limits.max_entries)
    return failure("the zip archive has " + std::to_string(entries) + " entries, more than " +
                       std::to_string(limits.max_entries),
                   "max_zip_entries");
  std::string wanted(name);
  zip_int64_t index = zip_name_locate(za.get(), wanted.c_str(), ZIP_FL_NOCASE);
  if (index < 0) {
    ZipEntry e = failure("the archive has no " + wanted);
    e.found = false;
    return e;
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(za.get(), static_cast<zip_uint64_t>(index), 0, &st) != 0)
    return failure("the zip archive is damaged");
  if (auto refused = refuse_by_stat(st, wanted, limits)) return std::move(*refused);

  File file(zip_fopen_index(za.get(), static_cast<zip_uint64_t>(index), 0));
  if (!file) return failure(wanted + " cannot be opened: " + zip_strerror(za.get()));
  // The cap holds even when the directory lied about the size: one byte past it is a refusal.
  const std::uint64_t cap = std::min<std::uint64_t>(st.size, limits.max_entry_bytes);
  std::string out;
  char buffer[65536];
  for (;;) {
    zip_int64_t n = zip_fread(file.get(), buffer, sizeof buffer);
    if (n < 0) return failure(wanted + " is damaged: " + zip_file_strerror(file.get()));
    if (n == 0) break;
    if (out.size() + static_cast<std::uint64_t>(n) > cap)
      return failure(wanted + " inflates to more than the archive says", "max_attachment_bytes");
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ZipEntry e;
  e.bytes = std::move(out);
  return e;
}

}  // namespace closeout::extract
