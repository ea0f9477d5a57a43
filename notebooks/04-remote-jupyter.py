# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Remote Jupyter, done safely
#
# The GPUs live on a server; the browser lives on your laptop. A common recipe for
# joining them starts Jupyter with `--ip=0.0.0.0 --allow-root`, sets the password
# through `notebook.auth.passwd` and `NotebookApp.*` options, and then opens the port
# to the network. Every part of that has aged badly:
#
# * `--ip=0.0.0.0` makes the server answer on *every* interface, so anyone who can
#   reach the machine can try the token or password. A notebook server is a remote
#   shell: whoever gets in runs code as you.
# * `--allow-root` means that shell is root. Run Jupyter as a normal user.
# * Jupyter Server replaced the classic notebook server: settings now live under
#   `ServerApp` (and `IdentityProvider` / `PasswordIdentityProvider`), the hashing
#   helper is `jupyter_server.auth.passwd`, and it produces argon2 hashes instead of
#   the old salted SHA-1 ones. `NotebookApp.*` settings are silently ignored.
#
# The safe shape is: the server binds `127.0.0.1` on the remote, requires a random
# token (and optionally an argon2 password), and you reach it through an SSH tunnel
# that reuses the authentication you already have, works through bastion hosts, and
# opens nothing in any firewall.
#
# This page does all of it against the handbook's sandbox host. The build started a
# real SSH server on the loopback interface and wrote `~/.ssh/config`, a key and a
# `known_hosts` entry into this page's private HOME, so the host alias below behaves
# like a lab machine (host-key checking stays on).

# %%
import json
import os
import secrets
import subprocess
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

HOST = os.environ["LABTOOLS_REMOTE_HOST"]
HOME = Path.home()


def labtools(*args: str, stdin: str | None = None, ok: bool = True
             ) -> subprocess.CompletedProcess[str]:
    """Run the labtools CLI and return its result (stdout, stderr, exit status)."""
    done = subprocess.run(["labtools", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


print("remote host alias:", HOST)

# %% [markdown]
# ## A key pair
#
# `labtools tunnel keygen` makes an ed25519 key by default (`--type rsa` gives RSA
# 4096 for old servers). The private key is written with mode 0600 and is never
# printed; the public half is what goes into the server's `authorized_keys`
# (`ssh-copy-id -i KEY.pub HOST` does that on a real machine).

# %%
key = json.loads(labtools("tunnel", "keygen", "--file", str(HOME / ".ssh" / "id_demo"),
                          "--comment", "demo-key", "--json").stdout)
print("type:", key["type"], "| fingerprint:", key["fingerprint"])
mode = Path(key["private_key"]).stat().st_mode & 0o777
print(f"private key mode: {mode:o}")
assert key["type"] == "ed25519" and mode == 0o600
assert "PRIVATE KEY" not in json.dumps(key)

# %% [markdown]
# ## An entry in `~/.ssh/config`
#
# Typing `-p 2222 -i ~/.ssh/id_demo -J bastion` on every connection is how mistakes
# happen. A `Host` block names all of it once; `labtools tunnel ssh-config` prints one
# (here for an imaginary GPU box behind a bastion, with the Jupyter port forwarded).

# %%
block = labtools("tunnel", "ssh-config", "gpu-box", "--hostname", "gpu.example.org",
                 "--port", "2222", "--user", "ada", "-i", "~/.ssh/id_demo",
                 "--jump", "bastion", "-L", "8888:localhost:8888").stdout
print(block)
assert "ProxyJump bastion" in block and "LocalForward 127.0.0.1:8888 localhost:8888" in block
assert "StrictHostKeyChecking" not in block

# %% [markdown]
# The sandbox already wrote the block for its own host, so `lab-gpu` resolves to it:

# %%
sandbox_block = (HOME / ".ssh" / "config").read_text()
print("\n".join(line for line in sandbox_block.splitlines()
                if line.split()[0] in ("Host", "HostName", "User", "IdentitiesOnly")))
assert f"Host {HOST}" in sandbox_block

# %% [markdown]
# ## A secure server configuration
#
# `labtools jupyter config` writes `jupyter_server_config.json`: bound to 127.0.0.1,
# no browser, a random token, and with `--password` an argon2 hash. The password is
# read from a prompt or from standard input, never from the command line (where
# `ps` and shell history would show it). The file is readable only by its owner.

# %%
config_file = HOME / "remote-config" / "jupyter_server_config.json"
password = secrets.token_urlsafe(16)  # in real life: typed at the prompt
result = json.loads(labtools("jupyter", "config", "--password", "--out", str(config_file),
                             "--json", stdin=password + "\n").stdout)
settings = json.loads(config_file.read_text())
print("sections:", sorted(settings))
print("ServerApp:", settings["ServerApp"])
print(f"file mode: {config_file.stat().st_mode & 0o777:o}")
assert settings["ServerApp"]["ip"] == "127.0.0.1"
assert settings["PasswordIdentityProvider"]["hashed_password"].startswith("argon2:")
assert result["mode"] == "0600" and config_file.stat().st_mode & 0o777 == 0o600

# %% [markdown]
# `labtools jupyter audit` checks a config and exits with status 1 when it finds
# something. The file just written is clean:

# %%
clean = labtools("jupyter", "audit", str(config_file))
print(clean.stdout)
assert "no findings" in clean.stdout

# %% [markdown]
# A configuration in the style of the old recipe is not:

# %%
legacy = HOME / "legacy_config.json"
legacy.write_text(json.dumps({"NotebookApp": {
    "ip": "0.0.0.0", "allow_root": True, "token": "",
    "password": "sha1:0123456789ab:" + "0" * 40}}))
legacy.chmod(0o644)
audit = labtools("jupyter", "audit", str(legacy), "--json", ok=False)
codes = [f["code"] for f in json.loads(audit.stdout)["findings"]]
print("exit status:", audit.returncode)
print("findings:", ", ".join(codes))
assert audit.returncode == 1
assert {"open-ip", "allow-root", "sha1-hash", "legacy-section", "world-readable"} <= set(codes)

# %% [markdown]
# ## Jupyter on the remote, through a tunnel
#
# `labtools jupyter remote HOST` (and the library's `remote_jupyter`) starts
# `jupyter server` on the remote over ssh, bound to 127.0.0.1 with a fresh token. The
# token travels over ssh's standard input, so it never appears in a process list.
# The server's port is read from `jupyter server list --json` (no log scraping, with a
# timeout), a tunnel is opened to it, and closing the session stops the remote
# server too. The sandbox runs as root, so only here Jupyter gets `--allow-root`.

# %%
from labtools.remote import remote_jupyter  # noqa: E402

session = ExitStack()
live = session.enter_context(remote_jupyter(HOST, allow_root=os.geteuid() == 0, timeout=90))
server = live.server
token = server.token_file.read_text().strip()
print("local URL:", server.url)
print("remote port:", server.remote_port)
assert server.url.startswith("http://127.0.0.1:")

# %% [markdown]
# Through the tunnel, the server refuses a request without the token and answers one
# that carries it (in a header, so it does not end up in logs of URLs):


# %%
def get_status(base: str, token: str | None) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(base.rstrip("/") + "/api/status")
    if token is not None:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, {}


anonymous, _ = get_status(server.url, None)
status, body = get_status(server.url, token)
print("without token:", anonymous)
print("with token:", status, "| status fields:", sorted(body))
assert anonymous == 403 and status == 200

# %% [markdown]
# ## A tunnel of your own
#
# The same kind of tunnel is one command. `-L 0:127.0.0.1:PORT` lets labtools pick a
# free local port; the local end always binds 127.0.0.1 explicitly (a bare
# `-L 8888:...` quietly binds IPv6 `::1` when 127.0.0.1:8888 is taken). The command
# returns only once the local port answers, or fails with one line. `--background`
# leaves it running behind a control socket, to be listed and closed later.

# %%
opened = json.loads(labtools("tunnel", "open", HOST, "-L", f"0:127.0.0.1:{server.remote_port}",
                             "--wait-http", "/api/status", "--background", "--json").stdout)
second_url = f"http://127.0.0.1:{opened['forwards'][0]['local_port']}"
print("tunnel", opened["id"], "->", second_url)
print(labtools("tunnel", "list").stdout)
assert get_status(second_url, token)[0] == 200
print(labtools("tunnel", "close", "--all").stdout)
assert json.loads(labtools("tunnel", "list", "--json").stdout) == []

# %% [markdown]
# A wrong key fails fast, with one line saying why, and leaves nothing running:

# %%
demo_config = HOME / ".ssh" / "config-demo"
demo_config.write_text("\n".join(
    f"    IdentityFile {key['private_key']}" if line.strip().startswith("IdentityFile") else line
    for line in sandbox_block.splitlines()) + "\n")
denied = labtools("tunnel", "open", HOST, "-L", "0:127.0.0.1:9", "-F", str(demo_config),
                  ok=False)
print(denied.stderr.strip())
assert denied.returncode == 1 and len(denied.stderr.strip().splitlines()) == 1

# %% [markdown]
# ## Closing
#
# Leaving the session closes the tunnel and stops the remote server. In this sandbox
# the "remote" is this machine, so we can check that its port is gone.

# %%
import socket  # noqa: E402

session.close()
try:
    socket.create_connection(("127.0.0.1", server.remote_port), timeout=2).close()
    still_up = True
except OSError:
    still_up = False
print("remote server still listening:", still_up)
assert not still_up
