# SPDX-License-Identifier: GPL-3.0-or-later
# Third-party libraries, all from Debian packages (scripts/setup installs them).
# Imported targets carry their include directories as SYSTEM, so their warnings never fail our build.
find_package(toml11 CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(LibXml2 REQUIRED)
find_package(Iconv REQUIRED)
find_package(CURL REQUIRED)
find_package(Boost 1.74 REQUIRED)  # Asio, header-only
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(SQLiteCpp CONFIG REQUIRED)  # RAII over SQLite's C API
find_package(PkgConfig REQUIRED)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)  # sd_notify
# kainjow mustache is one header with no CMake file; its directory is a system include.
find_path(KAINJOW_MUSTACHE_INCLUDE_DIR kainjow/mustache.hpp REQUIRED)
add_library(kainjow::mustache INTERFACE IMPORTED)
set_target_properties(kainjow::mustache PROPERTIES
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${KAINJOW_MUSTACHE_INCLUDE_DIR}")

# Debian ships mimetic without a pkg-config or CMake file.
find_path(MIMETIC_INCLUDE_DIR mimetic/mimetic.h REQUIRED)
find_library(MIMETIC_LIBRARY mimetic REQUIRED)
add_library(mimetic::mimetic UNKNOWN IMPORTED)
set_target_properties(mimetic::mimetic PROPERTIES
  IMPORTED_LOCATION "${MIMETIC_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${MIMETIC_INCLUDE_DIR}"
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${MIMETIC_INCLUDE_DIR}")

if(CLOSEOUT_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()

# Issue 13, the attachment helper: PDF forms (qpdf), PDF text and page images (poppler-cpp),
# .docx (libzip), OCR (tesseract, leptonica), and the rendered close-out form (cairo).
pkg_check_modules(QPDF REQUIRED IMPORTED_TARGET libqpdf)
pkg_check_modules(POPPLER_CPP REQUIRED IMPORTED_TARGET poppler-cpp)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(TESSERACT REQUIRED IMPORTED_TARGET tesseract)
pkg_check_modules(LEPTONICA REQUIRED IMPORTED_TARGET lept)
pkg_check_modules(CAIRO REQUIRED IMPORTED_TARGET cairo)
# libharu: the close-out's form in PDF's standard Helvetica (no pkg-config or CMake file in Debian).
find_path(HPDF_INCLUDE_DIR hpdf.h REQUIRED)
find_library(HPDF_LIBRARY hpdf REQUIRED)
add_library(libharu::hpdf UNKNOWN IMPORTED)
set_target_properties(libharu::hpdf PROPERTIES
  IMPORTED_LOCATION "${HPDF_LIBRARY}"
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${HPDF_INCLUDE_DIR}")
