"""Jupyter kernels: register an environment as a kernel, list, check, verify, remove.

``spec`` builds kernelspecs (pure), ``envref`` finds and probes environments,
``registry`` installs, lists and removes kernelspecs on the Jupyter paths, ``check``
diagnoses broken kernels and notebooks, ``verify`` runs code in a kernel to prove
which interpreter it really is.
"""
