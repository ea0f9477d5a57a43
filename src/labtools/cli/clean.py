"""``labtools clean``: package caches and orphan kernels, with what deleting would free."""

from __future__ import annotations

import click

from labtools.cli._output import console, emit, json_option


def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


@click.command("clean")
@click.option("-n", "--dry-run", is_flag=True, help="Only report; delete nothing.")
@json_option
def clean(dry_run: bool, as_json: bool) -> None:
    """Free package caches (conda, built-in engine, pixi, pip, uv) and orphan kernels.

    Packages hard-linked into environments free nothing and are kept.
    """
    from labtools.clean import clean_caches

    result = clean_caches(dry_run=dry_run)
    payload = {"dry_run": result.dry_run, "size": result.size,
               "reclaimable": result.reclaimable, "freed": result.freed,
               "caches": result.caches, "orphan_kernels": result.orphan_kernels}

    def render(_: object) -> None:
        from rich.table import Column, Table

        table = Table("cache", Column("path", overflow="fold"), "size", "reclaimable",
                      "in use", "freed")
        for c in result.caches:
            if not c.exists:
                table.add_row(c.kind, str(c.path), "-", "-", "-", "absent")
                continue
            table.add_row(c.kind, str(c.path), human(c.size), human(c.reclaimable),
                          f"{c.in_use}/{c.units}", human(c.freed))
        out = console()
        out.print(table)
        for k in result.orphan_kernels:
            verb = "removed" if k.removed else "would remove"
            out.print(f"{verb} orphan kernel {k.name} ({k.resource_dir}) -> {k.points_at}")
        verb = "would free" if dry_run else "freed"
        amount = result.reclaimable if dry_run else result.freed
        out.print(f"{verb} {human(amount)} of {human(result.size)}")

    emit(payload, as_json=as_json, render=render)
