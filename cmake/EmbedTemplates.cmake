# SPDX-License-Identifier: GPL-3.0-or-later
# Generates a C++ file holding every templates/*.txt as a string, so closeoutd always has a
# complete set even when nothing is installed. Run at build time with -DSRC_DIR= -DOUT=.
file(GLOB templates "${SRC_DIR}/*.txt")
set(body "// Generated from templates/*.txt by cmake/EmbedTemplates.cmake; do not edit.\n")
string(APPEND body "#include <map>\n#include <string>\n#include <string_view>\n\n")
string(APPEND body "namespace closeout::workflow {\n\nstd::string_view builtin_template(std::string_view name) {\n")
string(APPEND body "  static const std::map<std::string, std::string, std::less<>> texts = {\n")
foreach(path IN LISTS templates)
  get_filename_component(name "${path}" NAME_WE)
  file(READ "${path}" text)
  string(APPEND body "      {\"${name}\", R\"TPL(${text})TPL\"},\n")
endforeach()
string(APPEND body "  };\n  auto it = texts.find(name);\n  return it == texts.end() ? std::string_view{} : std::string_view{it->second};\n}\n\n}  // namespace closeout::workflow\n")
file(WRITE "${OUT}.tmp" "${body}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
