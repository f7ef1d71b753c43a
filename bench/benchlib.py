"""What the benchmark scripts share: the corpus folders' message files and
a free TCP port on loopback."""
import os
import socket


def corpus_files(corpus, folders, limit=0):
    """Message files (*.txt) of each folder, sorted; the first limit of
    each when limit > 0."""
    files = []
    for folder in folders:
        d = os.path.join(corpus, folder)
        names = sorted(n for n in os.listdir(d) if n.endswith('.txt'))
        if limit:
            names = names[:limit]
        files += [os.path.join(d, n) for n in names]
    return files


def free_port():
    """A port on 127.0.0.1 the kernel reports free."""
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p
