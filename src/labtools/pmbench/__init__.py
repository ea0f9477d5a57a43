"""pmbench: the package-manager benchmark behind ``labtools bench``.

``api`` resolves a request and runs it (public as :func:`labtools.benchmark`);
``harness`` runs scenarios x contestants x repeats, interleaved; ``contestants`` are
the tools being timed; ``stats`` is pure statistics; ``report`` renders a result.
Not to be confused with the repository's ``bench/`` folder: those scripts time
labtools itself against its own speed targets.
"""
