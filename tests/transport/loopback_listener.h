// SPDX-License-Identifier: GPL-3.0-or-later
// The listening socket of the tests' scripted servers: 127.0.0.1 on a port the kernel picks,
// so servers started side by side (ctest -j) never collide.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace closeout::testing {

// Returns the listening descriptor and sets port.
inline int listen_on_loopback(int& port) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listener, 8);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return listener;
}

}  // namespace closeout::testing
