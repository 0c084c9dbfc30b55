"""A real Dovecot IMAP server on 127.0.0.1 for the tests: a temp config, a passwd file, maildirs.

No TLS and plaintext logins (it listens on 127.0.0.1 only), every file under one temp
directory. As root it runs its login and internal processes as Debian's ``dovenull`` and
``dovecot`` users and keeps the mail as ``dovecot``; as anyone else, all of it as that user.
``make dovecot`` installs Debian's ``dovecot-imapd``; a missing binary fails the tests, never skips.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from faults.procs import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "support@example.test"
PASSWORD = "imap-test-password"  # noqa: S105 - a throwaway account of a server on 127.0.0.1

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
mail_uid = {mail_user}
mail_gid = {mail_group}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    root: Path
    process: subprocess.Popen

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(self.user, self.password)
        return imap

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a message the way a mail client files one: a real IMAP APPEND."""
        imap = self.client()
        try:
            status, detail = imap.append(folder, None, None, raw)
            assert status == "OK", detail
        finally:
            imap.logout()

    def messages(self, folder: str = "INBOX") -> list[tuple[int, str]]:
        """(UID, flags) of every message in the folder."""
        imap = self.client()
        try:
            imap.select(folder, readonly=True)
            status, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            found = []
            for item in data:
                if not item:
                    continue
                text = item.decode() if isinstance(item, bytes) else item[0].decode()
                uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                found.append((uid, text.split("FLAGS (")[1].split(")")[0]))
            return found
        finally:
            imap.logout()

    def empty(self, folder: str = "INBOX") -> None:
        imap = self.client()
        try:
            status, data = imap.select(folder)
            if int(data[0]) > 0:
                imap.store("1:*", "+FLAGS", "\\Deleted")
                imap.expunge()
        finally:
            imap.logout()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            return sock.recv(64).startswith(b"* OK")
    except OSError:
        return False


def start(root: Path) -> Dovecot:
    """Start Dovecot in the foreground (``-F``) under ``root``; raise with its log if it does not answer."""
    if not os.path.exists(DOVECOT):
        raise RuntimeError("Dovecot is missing: `make dovecot` (or apt-get install dovecot-imapd) installs it.")
    root.chmod(0o755)
    if os.geteuid() == 0:
        login_user, internal_user, mail_user = "dovenull", "dovecot", "dovecot"
    else:
        login_user = internal_user = mail_user = pwd.getpwuid(os.geteuid()).pw_name
    mail_group = pwd.getpwnam(mail_user).pw_gid
    for name in ("run", "state", "mail"):
        (root / name).mkdir(mode=0o755)
    os.chown(root / "mail", pwd.getpwnam(mail_user).pw_uid, mail_group)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(
        _CONFIG.format(
            root=root,
            port=port,
            login_user=login_user,
            internal_user=internal_user,
            mail_user=mail_user,
            mail_group=mail_group,
        )
    )
    process = subprocess.Popen(  # noqa: S603 - our own binary and config
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if _answers(port):
            return Dovecot("127.0.0.1", port, USER, PASSWORD, root, process)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop_process(process)
    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    raise RuntimeError(f"Dovecot did not start on 127.0.0.1:{port}.\n{stderr}\n{log}")


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def temp_root() -> Path:
    return Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
