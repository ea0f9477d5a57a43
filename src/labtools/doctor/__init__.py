"""``labtools doctor``: why it works in your shell but not in your notebook.

:func:`run_doctor` gathers facts about the Pythons in play (the shell's, the activated
env, the running one, a notebook's kernel), the target env's packages, user
site-packages, ``PYTHONPATH``, kernelspecs and the GPU driver, then runs the pure checks
of :mod:`labtools.doctor.checks`. Every finding carries a one-line fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtools.doctor.checks import DoctorFacts, diagnose
from labtools.doctor.findings import Finding


@dataclass(frozen=True)
class DoctorReport:
    """The facts, the findings, and ``ok`` (no error and no warning)."""

    ok: bool
    findings: tuple[Finding, ...]
    facts: DoctorFacts


def report_for(facts: DoctorFacts) -> DoctorReport:
    findings = diagnose(facts)
    return DoctorReport(ok=not any(f.severity != "info" for f in findings),
                        findings=findings, facts=facts)


def run_doctor(
    *,
    env: str | Path | None = None,
    notebook: str | Path | None = None,
    kernels: bool = True,
    tools: bool = True,
    **inputs: Any,
) -> DoctorReport:
    """Diagnose this machine (or the one *inputs* describe: environ=, home=, sys_prefix=,
    in_kernel=, see :func:`labtools.doctor.collect.collect_facts`)."""
    from labtools.doctor.collect import collect_facts, running_facts

    given = {**running_facts(), **inputs}
    facts = collect_facts(env=env, notebook=Path(notebook) if notebook else None,
                          kernels=kernels, tools=tools, **given)
    return report_for(facts)


__all__ = ["DoctorReport", "Finding", "report_for", "run_doctor"]
