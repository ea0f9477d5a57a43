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
# This page does all of it against the handbook's lab host `lab-gpu`: the build started
# a real SSH server on the loopback interface and wrote `~/.ssh/config`, a key and a
# `known_hosts` entry into this page's private HOME, so `lab-gpu` behaves like a lab
# machine (host-key checking stays on).

# %% [markdown]
# ## A key pair
#
# `labtools tunnel keygen` makes an ed25519 key by default (`--type rsa` gives RSA
# 4096 for old servers). The private key is written with mode 0600 and is never
# printed; the public half is what goes into the server's `authorized_keys`
# (`ssh-copy-id -i ~/.ssh/id_demo.pub HOST` does that on a real machine).

# %%
# !labtools tunnel keygen --file ~/.ssh/id_demo --comment demo-key
# !ls -l ~/.ssh/id_demo ~/.ssh/id_demo.pub | cut -c1-10

# %% tags=["verify"]
import json
import os
import subprocess
from pathlib import Path

HOME = Path.home()
key = HOME / ".ssh" / "id_demo"
assert key.stat().st_mode & 0o777 == 0o600 and "ssh-ed25519" in key.with_suffix(".pub").read_text()


def labtools(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["labtools", *args], input=stdin, capture_output=True, text=True,
                          timeout=120)


# %% [markdown]
# ## An entry in `~/.ssh/config`
#
# Typing `-p 2222 -i ~/.ssh/id_demo -J bastion` on every connection is how mistakes
# happen. A `Host` block names all of it once; `labtools tunnel ssh-config` prints one
# (here for an imaginary GPU box behind a bastion, with the Jupyter port forwarded).

# %%
# !labtools tunnel ssh-config gpu-box --hostname gpu.example.org --port 2222 --user ada -i ~/.ssh/id_demo --jump bastion -L 8888:localhost:8888

# %% [markdown]
# The sandbox already wrote such a block for its own host, so `lab-gpu` resolves to it:

# %%
# !grep -E "^Host|HostName|User |IdentitiesOnly" ~/.ssh/config

# %% tags=["verify"]
block = labtools("tunnel", "ssh-config", "gpu-box", "--hostname", "gpu.example.org",
                 "--port", "2222", "--jump", "bastion", "-L", "8888:localhost:8888").stdout
assert "ProxyJump bastion" in block and "LocalForward 127.0.0.1:8888 localhost:8888" in block
assert "StrictHostKeyChecking" not in block
assert "Host lab-gpu" in (HOME / ".ssh" / "config").read_text()

# %% [markdown]
# ## A secure server configuration
#
# `labtools jupyter config` writes `jupyter_server_config.json`: bound to 127.0.0.1,
# no browser, a random token, and with `--password` an argon2 hash. The password is
# read from a prompt or from standard input, never from the command line (where `ps`
# and shell history would show it). The file is readable only by its owner. You would
# type the password at the prompt; this page feeds it from a private file.

# %%
import secrets

Path("password.txt").write_text(secrets.token_urlsafe(16) + "\n")
Path("password.txt").chmod(0o600)

# %%
# !labtools jupyter config --password --out remote-config/jupyter_server_config.json < password.txt
# !python -m json.tool remote-config/jupyter_server_config.json | grep -E '"ip"|open_browser|hashed_password' | sed 's/argon2:.*"/argon2:…"/'

# %% tags=["verify"]
config_file = Path("remote-config/jupyter_server_config.json")
settings = json.loads(config_file.read_text())
assert settings["ServerApp"]["ip"] == "127.0.0.1"
assert settings["PasswordIdentityProvider"]["hashed_password"].startswith("argon2:")
assert config_file.stat().st_mode & 0o777 == 0o600

# %% [markdown]
# `labtools jupyter audit` checks a config and exits with status 1 when it finds
# something. The file just written is clean; one in the style of the old recipe is not:

# %%
# !labtools jupyter audit remote-config/jupyter_server_config.json

# %%
Path("legacy_config.json").write_text(json.dumps({"NotebookApp": {
    "ip": "0.0.0.0", "allow_root": True, "token": "",
    "password": "sha1:0123456789ab:" + "0" * 40}}))
Path("legacy_config.json").chmod(0o644)

# %%
# !labtools jupyter audit legacy_config.json

# %% tags=["verify"]
assert _exit_code == 1  # noqa: F821
audit = labtools("jupyter", "audit", "legacy_config.json", "--json")
codes = {f["code"] for f in json.loads(audit.stdout)["findings"]}
assert {"open-ip", "allow-root", "sha1-hash", "legacy-section", "world-readable"} <= codes
assert "no findings" in labtools("jupyter", "audit", str(config_file)).stdout

# %% [markdown]
# ## Jupyter on the remote, through a tunnel
#
# In a terminal, `labtools jupyter remote lab-gpu` starts `jupyter server` on the remote
# over ssh, bound to 127.0.0.1 with a fresh token, tunnels to it, and prints the local
# URL; Ctrl-C stops the tunnel *and* the remote server. The token travels over ssh's
# standard input, so it never appears in a process list, and the server's port is read
# from `jupyter server list --json` with a timeout, never scraped from a log.
#
# From Python the same is a context manager. (The sandbox runs as root, so only here
# Jupyter gets `--allow-root`.)

# %%
from contextlib import ExitStack

from labtools.remote import remote_jupyter

session = ExitStack()
live = session.enter_context(remote_jupyter("lab-gpu", allow_root=os.geteuid() == 0, timeout=90))
server = live.server
print("local URL:  ", server.url)
print("token file: ", server.token_file.name)

# %% [markdown]
# Through the tunnel, the server refuses a request without the token and answers one
# that carries it (in a header, so it does not end up in logs of URLs):

# %%
# !curl -s -o /dev/null -w "without token: %{{http_code}}\n" {server.url}api/status
# !printf 'Authorization: token %s\n' "$(cat {server.token_file})" > auth-header
# !curl -s -o /dev/null -w "with token:    %{{http_code}}\n" -H @auth-header {server.url}api/status

# %% tags=["verify"]
import urllib.error
import urllib.request


def status(base: str, token: str | None) -> int:
    request = urllib.request.Request(base.rstrip("/") + "/api/status")
    if token is not None:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


token = server.token_file.read_text().strip()
assert status(server.url, None) == 403 and status(server.url, token) == 200
assert server.url.startswith("http://127.0.0.1:")

# %% [markdown]
# ## A tunnel of your own
#
# The same kind of tunnel is one command. `-L 0:127.0.0.1:PORT` lets labtools pick a
# free local port; the local end always binds 127.0.0.1 explicitly (a bare
# `-L 8888:...` quietly binds IPv6 `::1` when 127.0.0.1:8888 is taken). The command
# returns only once the local port answers, or fails with one line. `--background`
# leaves it running behind a control socket, to be listed and closed later.

# %%
# !labtools tunnel open lab-gpu -L 0:127.0.0.1:{server.remote_port} --wait-http /api/status --background
# !labtools tunnel list

# %% tags=["verify"]
tunnels = json.loads(labtools("tunnel", "list", "--json").stdout)
local = tunnels[0]["forwards"][0]["local_port"]
assert status(f"http://127.0.0.1:{local}", token) == 200

# %%
# !labtools tunnel close --all

# %% tags=["verify"]
assert json.loads(labtools("tunnel", "list", "--json").stdout) == []

# %% [markdown]
# A wrong key fails fast, with one line saying why, and leaves nothing running:

# %%
# !sed "s|IdentityFile .*|IdentityFile ~/.ssh/id_demo|" ~/.ssh/config > ~/.ssh/config-demo
# !labtools tunnel open lab-gpu -L 0:127.0.0.1:9 -F ~/.ssh/config-demo

# %% tags=["verify"]
assert _exit_code == 1  # noqa: F821

# %% [markdown]
# ## Closing
#
# Leaving the session closes the tunnel and stops the remote server. In this sandbox
# the "remote" is this machine, so we can check that its port is gone.

# %%
import socket

session.close()
try:
    socket.create_connection(("127.0.0.1", server.remote_port), timeout=2).close()
    still_up = True
except OSError:
    still_up = False
print("remote server still listening:", still_up)

# %% tags=["verify"]
assert not still_up
