"""What the winnow-mda end-to-end drivers share (test-mda-postfix.py,
test-mda-crash.py, test-mda-bad.py; test-postfix-av.py uses its
PASS/FAIL counting): test messages that carry their own
checksum, a reader that parses every file of a Maildir (all folders,
new/ cur/ tmp/), test users, PASS/FAIL counting.

A test message has a unique Message-ID and a last body line
"END <message-id> <sha256 of the body before that line>", so a file
found in a Maildir proves by itself whether it is whole: a truncated or
mixed file fails the check without knowing what was sent.
"""
import hashlib
import os
import pwd
import random
import subprocess
import sys

PASS = 0
FAIL = 0


def ok(what):
    global PASS
    PASS += 1
    print("PASS: " + what, flush=True)


def bad(what):
    global FAIL
    FAIL += 1
    print("FAIL: " + what, flush=True)


def check(cond, what, detail=""):
    if cond:
        ok(what)
    else:
        bad(what + (": " + detail if detail else ""))
    return cond


def finish():
    print(f"# {PASS} passed, {FAIL} failed", flush=True)
    sys.exit(1 if FAIL else 0)


def make_msg(mid, subject="test", sender="alice@example.test", to="bob@example.test",
             headers=(), body_len=300, seed=None):
    """bytes of a message with Message-ID <mid> and a self-checking body
    of about body_len bytes (LF line endings; includes a line starting
    with '.', one starting with 'From ' and one with 8-bit text, which a
    Maildir must store unchanged)."""
    rnd = random.Random(seed if seed is not None else mid)
    lines = [".a line starting with a dot", "From the start of a line",
             "caf\u00e9 8-bit"]
    # numbered lines from a pool of random ones: fast for 80 MB too
    pool = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789 ")
                    for _ in range(rnd.randint(11, 67))) for _ in range(64)]
    n = i = 0
    while n < body_len:
        for p in rnd.choices(pool, k=max(1, min(4096, (body_len - n) // 48))):
            line = f"{i:08d} {p}"
            lines.append(line)
            n += len(line) + 1
            i += 1
    body = ("\n".join(lines) + "\n").encode()
    end = f"END <{mid}> {hashlib.sha256(body).hexdigest()}\n".encode()
    head = [f"From: {sender}", f"To: {to}", f"Subject: {subject}",
            f"Message-ID: <{mid}>", "Date: Tue, 01 Dec 2026 12:00:00 +0000",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit"] + list(headers)
    return ("\n".join(head) + "\n\n").encode() + body + end


def parse_msg(data):
    """(message-id, whole) of stored bytes: whole when the END line is
    the last line and its checksum matches the body. message-id is None
    when there is none (not one of ours)."""
    data = data.replace(b"\r\n", b"\n")
    sep = data.find(b"\n\n")
    if sep < 0:
        return None, False
    head, body = data[:sep + 1], data[sep + 2:]
    mid = None
    for line in head.split(b"\n"):
        if line.lower().startswith(b"message-id:"):
            mid = line.split(b":", 1)[1].strip().strip(b"<>").decode(errors="replace")
    if not body.endswith(b"\n"):
        return mid, False
    i = body.rfind(b"\n", 0, len(body) - 1)
    last = body[i + 1:]
    text = body[:i + 1]
    want = f"END <{mid}> {hashlib.sha256(text).hexdigest()}\n".encode()
    return mid, last == want


def header(data, name):
    """The first value of header name in data (str), or None."""
    sep = data.find(b"\n\n")
    for line in data[:sep].split(b"\n"):
        if line.lower().startswith(name.lower().encode() + b":"):
            return line.split(b":", 1)[1].strip().decode(errors="replace")
    return None


def body_of(data):
    data = data.replace(b"\r\n", b"\n")
    return data[data.find(b"\n\n") + 2:]


def folders(root):
    """{folder name: directory}: "INBOX" is root, ".A.b" is "A.b"."""
    out = {"INBOX": root}
    if os.path.isdir(root):
        for n in sorted(os.listdir(root)):
            p = os.path.join(root, n)
            if n.startswith(".") and n not in (".", "..") and os.path.isdir(p) \
                    and not os.path.islink(p):
                out[n[1:]] = p
    return out


def scan(root):
    """Every file in every folder's new/, cur/ and tmp/:
    list of dicts folder, sub, name, path, data."""
    out = []
    for f, d in folders(root).items():
        for sub in ("new", "cur", "tmp"):
            sd = os.path.join(d, sub)
            if not os.path.isdir(sd):
                continue
            for n in sorted(os.listdir(sd)):
                p = os.path.join(sd, n)
                if not os.path.isfile(p):
                    continue
                with open(p, "rb") as fh:
                    out.append(dict(folder=f, sub=sub, name=n, path=p, data=fh.read()))
    return out


def maildir_flags(name):
    """The letters after ':2,' in a Maildir file name ('' when none)."""
    i = name.find(":2,")
    return name[i + 3:] if i >= 0 else ""


def add_user(name, home):
    """Creates system user name with home (made, owned by it); returns
    its passwd entry. Removed by del_user."""
    subprocess.run(["useradd", "-M", "-d", home, "-s", "/usr/sbin/nologin", name],
                   check=True)
    pw = pwd.getpwnam(name)
    os.makedirs(home, exist_ok=True)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    os.chmod(home, 0o755)
    return pw


def del_user(name):
    subprocess.run(["userdel", name], stderr=subprocess.DEVNULL)
    try:
        os.unlink("/var/mail/" + name)  # made by procmail, if it ran
    except OSError:
        pass


def chown_tree(path, pw):
    for d, dirs, files in os.walk(path):
        os.chown(d, pw.pw_uid, pw.pw_gid)
        for f in files:
            os.chown(os.path.join(d, f), pw.pw_uid, pw.pw_gid)


def as_user(pw):
    """Popen keyword arguments that run a command as pw, with its HOME."""
    env = dict(os.environ, HOME=pw.pw_dir, USER=pw.pw_name, LOGNAME=pw.pw_name)
    return dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[], env=env,
                cwd=pw.pw_dir)
