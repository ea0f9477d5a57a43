"""Conda <-> PyPI package names, the way conda-forge spells them.

Most conda-forge packages of Python projects carry the PyPI name, lower-cased, with
dashes. The exceptions matter for a mirror: a package an ``environment.yml`` asks for
as ``jupyter_client`` must be *called* ``jupyter_client`` in the channel, and every
package that depends on it must name it the same way. :class:`Naming` is that one
decision for a whole mirror: the spelling the request file uses wins, then the table
of conda-forge's spellings below, then the normalized PyPI name.

The tables hold facts about conda-forge feedstock names (checked against the
feedstocks' recipes); they cover the Jupyter/scientific stack and are easy to extend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: normalized PyPI name -> conda-forge package name, where the two differ beyond normalizing
PYPI_TO_CONDA: Mapping[str, str] = {
    "fastjsonschema": "python-fastjsonschema",
    "ipython-pygments-lexers": "ipython_pygments_lexers",
    "jupyter-client": "jupyter_client",
    "jupyter-core": "jupyter_core",
    "jupyter-events": "jupyter_events",
    "jupyter-server": "jupyter_server",
    "jupyter-server-terminals": "jupyter_server_terminals",
    "jupyterlab-pygments": "jupyterlab_pygments",
    "jupyterlab-server": "jupyterlab_server",
    "msgpack": "msgpack-python",
    "mypy-extensions": "mypy_extensions",
    "prometheus-client": "prometheus_client",
    "pure-eval": "pure_eval",
    "ruamel-yaml": "ruamel.yaml",
    "ruamel-yaml-clib": "ruamel.yaml.clib",
    "stack-data": "stack_data",
    "torch": "pytorch",
    "typing-extensions": "typing_extensions",
    "tzdata": "python-tzdata",
}

#: conda-forge names whose PyPI project is named differently (beyond the table above)
CONDA_TO_PYPI: Mapping[str, str] = {
    **{conda: pypi for pypi, conda in PYPI_TO_CONDA.items()},
    "matplotlib-base": "matplotlib",
    "nbconvert-core": "nbconvert",
    "pyqt": "PyQt5",
    "python-build": "build",
    "python-kubernetes": "kubernetes",
    "pytorch-cpu": "torch",
}

#: conda packages whose PyPI namesake is a different thing (a binary on conda, a library
#: or a stub on PyPI): never mirror them from PyPI
NOT_ON_PYPI: frozenset[str] = frozenset(
    {"git", "nodejs", "pandoc", "python", "r-base", "cudatoolkit", "cuda-version",
     "libgcc-ng", "libstdcxx-ng", "openssl", "ca-certificates", "vs2015_runtime"}
)


def normalize(name: str) -> str:
    """PEP 503 normalized form: lower case, runs of ``-_.`` become one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pypi_name(conda: str) -> str:
    """The PyPI project for a conda package name (pip normalizes the rest itself)."""
    key = conda.strip().lower()
    return CONDA_TO_PYPI.get(key, key)


class Naming:
    """One consistent conda name per PyPI project, for a whole mirror.

    *requested* are the conda names a request file uses (``jupyter_client``,
    ``matplotlib-base``); each fixes the conda name of its PyPI project.
    """

    def __init__(self, requested: Iterable[str] = ()) -> None:
        self._chosen: dict[str, str] = {}
        for conda in requested:
            self._chosen[normalize(pypi_name(conda))] = conda.strip().lower()

    def conda(self, pypi: str) -> str:
        """The conda name of the PyPI project *pypi*."""
        key = normalize(pypi)
        return self._chosen.get(key) or PYPI_TO_CONDA.get(key) or key

    def __call__(self, pypi: str) -> str:
        return self.conda(pypi)

    def fingerprint(self) -> str:
        """What, about this naming, changes the packages it names (for cache keys)."""
        return ";".join(f"{k}={v}" for k, v in sorted(self._chosen.items()))
