# SPDX-License-Identifier: GPL-3.0-or-later
# `cpack -G DEB` in the build directory makes closeoutd_<version>_<arch>.deb. Built with the
# prefix /usr (the default, see Install.cmake). dpkg-shlibdeps works out the library dependencies
# from the binaries, so they match what was linked.

set(CPACK_PACKAGE_NAME closeoutd)
set(CPACK_PACKAGE_VENDOR "closeoutd developers")
set(CPACK_PACKAGE_CONTACT "closeoutd developers <closeoutd@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "close out Canon CITS service dispatches by e-mail")
set(CPACK_PACKAGE_DESCRIPTION
    "closeoutd watches a Canon dealer's CITS dispatch mailbox over IMAP, sends each dispatch to
the technicians, checks the Section 2 they reply with, tells them exactly what is missing,
sends complete forms to CITS by SMTP, chases what ages and records everything in SQLite.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# systemd runs it; ca-certificates lets it verify the mail servers' certificates; the close-out's
# rendered form is drawn in FreeSans (without it fontconfig silently picks some other face).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd, ca-certificates, fonts-freefont-ttf")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/systemd/debian/conffiles
    ${PROJECT_SOURCE_DIR}/systemd/debian/postinst
    ${PROJECT_SOURCE_DIR}/systemd/debian/prerm
    ${PROJECT_SOURCE_DIR}/systemd/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Only what a server needs: tests, benchmarks and fuzzers are never installed. The attachment
# helper closeout-extract is (extract/CMakeLists.txt: /usr/libexec/closeoutd), and dpkg-shlibdeps
# adds the reader libraries it links (qpdf, poppler, libzip, tesseract) to Depends.
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
include(CPack)
