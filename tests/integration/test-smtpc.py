#!/usr/bin/python3
"""test-smtpc.py serve DIR: scripted SMTP peers for lib/smtp_client.c's
test, each on its own free 127.0.0.1 port (written to DIR/ports as
"name port" lines, then DIR/ready is created):

  silent   accepts and never says a word (the timeout cases)
  pieces   a willing server that sends every reply in small pieces with
           pauses, multi-line replies split inside lines and between CR
           and LF; offers 8BITMIME and SMTPUTF8; records each session's
           commands and DATA bytes in DIR/pieces.N (N from 1)
  oldie    refuses EHLO with 502, accepts HELO (the fallback), records
           like pieces in DIR/oldie.N
  late     accepts RCPT, then refuses the message after DATA with 554
  plain    a willing server answering at once, on the unix socket
           DIR/smtp.sock and, when the host has
           IPv6, on [::1] ("plain6 PORT"); records in DIR/plain.N and
           DIR/plain6.N

Runs until killed.
"""
import os
import socket
import sys
import threading
import time


def send_pieces(conn, data, piece=3, pause=0.02):
    for i in range(0, len(data), piece):
        conn.sendall(data[i:i + piece])
        time.sleep(pause)


def read_line(f):
    line = f.readline()
    if not line:
        raise EOFError
    return line


def session(conn, name, record, counter):
    counter[0] += 1
    n = counter[0]
    f = conn.makefile('rb')
    log = []
    pieces = name == 'pieces'

    def reply(data):
        if pieces:
            # split between CR and LF too: the 3-byte pieces do that
            send_pieces(conn, data)
        else:
            conn.sendall(data)

    try:
        reply(b'220-mx.pieces.test first line\r\n220 ESMTP ready\r\n')
        while True:
            line = read_line(f)
            log.append(b'C: ' + line)
            cmd = line[:4].upper()
            if cmd == b'EHLO':
                if name == 'oldie':
                    reply(b'502 5.5.2 what is EHLO\r\n')
                else:
                    reply(b'250-mx.pieces.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n'
                          b'250-8BITMIME\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n')
            elif cmd == b'HELO':
                reply(b'250 mx.pieces.test\r\n')
            elif cmd in (b'MAIL', b'RCPT', b'RSET', b'NOOP'):
                reply(b'250 2.1.0 Ok\r\n')
            elif cmd == b'DATA':
                reply(b'354 End data with <CR><LF>.<CR><LF>\r\n')
                data = b''
                while not data.endswith(b'\r\n.\r\n') and data != b'.\r\n':
                    chunk = f.readline()
                    if not chunk:
                        raise EOFError
                    data += chunk
                log.append(b'DATA: ' + data)
                if name == 'late':
                    reply(b'554-5.7.1 message refused\r\n554 5.7.1 content rejected\r\n')
                else:
                    reply(b'250-2.0.0 Ok: queued\r\n250 2.0.0 as 4ABC123\r\n')
            elif cmd == b'QUIT':
                reply(b'221 2.0.0 Bye\r\n')
                break
            else:
                reply(b'502 5.5.2 Error: command not recognized\r\n')
    except (EOFError, OSError):
        pass
    finally:
        if record:
            # whole or not at all: the test polls for the file and reads
            # it at once, so it must not see it half written
            path = os.path.join(record, '%s.%d' % (name, n))
            with open(path + '.tmp', 'wb') as out:
                out.write(b''.join(log))
            os.rename(path + '.tmp', path)
        conn.close()


def serve(sock, name, d):
    counter = [0]
    held = []
    while True:
        conn, _ = sock.accept()
        if name == 'silent':
            held.append(conn)  # keep it open, say nothing
            continue
        threading.Thread(target=session, args=(conn, name, d, counter), daemon=True).start()


def main():
    if len(sys.argv) != 3 or sys.argv[1] != 'serve':
        sys.exit(__doc__)
    d = sys.argv[2]
    lines = []
    for name in ('silent', 'pieces', 'oldie', 'late'):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('127.0.0.1', 0))
        s.listen(16)
        lines.append('%s %d\n' % (name, s.getsockname()[1]))
        threading.Thread(target=serve, args=(s, name, d), daemon=True).start()
    u = socket.socket(socket.AF_UNIX)
    u.bind(os.path.join(d, 'smtp.sock'))
    u.listen(16)
    threading.Thread(target=serve, args=(u, 'plain', d), daemon=True).start()
    try:
        s6 = socket.socket(socket.AF_INET6)
        s6.bind(('::1', 0))
        s6.listen(16)
        lines.append('plain6 %d\n' % s6.getsockname()[1])
        threading.Thread(target=serve, args=(s6, 'plain6', d), daemon=True).start()
    except OSError:
        pass  # no IPv6 here: the test skips that case
    with open(os.path.join(d, 'ports'), 'w') as f:
        f.write(''.join(lines))
    open(os.path.join(d, 'ready'), 'w').close()
    while True:
        time.sleep(3600)


if __name__ == '__main__':
    main()
