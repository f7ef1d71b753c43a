#!/bin/sh
# Prints a TCP port on 127.0.0.1 that the kernel reports free (bound to
# port 0, then released), so that tests running side by side do not pick
# the same ports.
exec python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
