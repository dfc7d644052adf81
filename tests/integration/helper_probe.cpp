// SPDX-License-Identifier: GPL-3.0-or-later
// closeout_helper_probe KIND FILENAME < attachment: reads one attachment the way closeoutd does
// (read_in_helper, the real closeout-extract beside it in the build tree) and prints the reading
// as JSON. Only for sandbox_test.sh, which traces it under the unit's sandbox: the parent's fork,
// rlimits and exec and the helper's own run must all be allowed there. Never installed.
#include <iostream>
#include <iterator>
#include <string>

#include "attachment_helper.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: closeout_helper_probe KIND FILENAME < attachment\n";
    return 64;
  }
  closeout::BinaryPart part;
  part.filename = argv[2];
  part.bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  part.size = part.bytes.size();
  closeout::AttachmentHelperSettings settings;
  settings.program = CLOSEOUT_EXTRACT_PATH;
  std::cout << closeout::reading_to_json(closeout::read_in_helper(part, argv[1], settings)) << '\n';
  return 0;
}
