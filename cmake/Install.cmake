# SPDX-License-Identifier: GPL-3.0-or-later
# Where `cmake --install` puts things (FHS, through GNUInstallDirs): with the prefix /usr (the
# .deb's) the configuration goes to /etc/closeoutd and the units to /usr/lib/systemd/system.
# The units and the man pages name the installed paths, so they are written at configure time.

# closeoutd.service for one dealer, the template closeoutd@.service for one instance per dealer.
# Editing a unit reconfigures, as configure_file would.
foreach(unit closeoutd.service closeoutd@.service)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${PROJECT_SOURCE_DIR}/systemd/${unit})
  file(READ ${PROJECT_SOURCE_DIR}/systemd/${unit} closeout_unit)
  string(REPLACE "/usr/sbin/closeoutd" "${CMAKE_INSTALL_FULL_SBINDIR}/closeoutd"
         closeout_unit "${closeout_unit}")
  string(REPLACE "/etc/closeoutd/" "${CMAKE_INSTALL_FULL_SYSCONFDIR}/closeoutd/"
         closeout_unit "${closeout_unit}")
  file(WRITE ${PROJECT_BINARY_DIR}/systemd/${unit} "${closeout_unit}")
  install(FILES ${PROJECT_BINARY_DIR}/systemd/${unit} DESTINATION lib/systemd/system)
endforeach()

# The example configuration is the live one on a new install; the .deb marks it a conffile, so
# an upgrade never overwrites the admin's edits.
install(FILES config/closeoutd.toml DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/closeoutd)
install(FILES config/cits-form.toml config/closeoutd.toml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/closeoutd)

# Debian ships man pages gzipped (-n: no name or time stamp, so a rebuild is byte-identical).
find_program(CLOSEOUT_GZIP gzip REQUIRED)
set(closeout_man_pages)
foreach(page closeoutd.8 closeoutctl.8)
  configure_file(daemon/man/${page} ${PROJECT_BINARY_DIR}/man/${page} @ONLY)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/man/${page}.gz
                     COMMAND ${CLOSEOUT_GZIP} -9nkf ${PROJECT_BINARY_DIR}/man/${page}
                     DEPENDS ${PROJECT_BINARY_DIR}/man/${page} VERBATIM)
  list(APPEND closeout_man_pages ${PROJECT_BINARY_DIR}/man/${page}.gz)
endforeach()
add_custom_target(closeout_man_pages ALL DEPENDS ${closeout_man_pages})
install(FILES ${closeout_man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# poppler (PDF attachments) is GPL, so closeoutd is GPL-3.0-or-later; Debian wants the terms in
# the package's copyright file.
install(FILES systemd/debian/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
