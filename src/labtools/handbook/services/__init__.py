"""Lab services a handbook sandbox starts once per build (see ``sandbox.Service``).

- :mod:`.lab_channel`: an offline conda channel, so tutorials create environments with no flags;
- :mod:`.remote_host`: a loopback SSH host that tutorials reach as ``lab-gpu``.
"""
