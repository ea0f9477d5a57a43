"""Stamps, cache keys and redaction: pure functions."""

from __future__ import annotations

import nbformat
import pytest

from labtools.handbook.execute import cell_timeout, unraised_cells
from labtools.handbook.outputs import redact_notebook
from labtools.handbook.stamp import (
    Stamp,
    cache_key,
    env_hash,
    render_stamp_html,
    render_status_markdown,
)
from labtools.secret_registry import MASK, redact, register_secret

STAMP = Stamp(
    tutorial="01-anatomy",
    executed_at="2026-11-24T10:00:00+00:00",
    duration_s=3.25,
    labtools_version="9.9.9",
    git_commit="0123456789abcdef0123",
    env_hash="feedbeef",
    python="3.11.7",
    result="passed",
    cache_key="k",
)


def test_stamp_html_shows_every_fact() -> None:
    html = render_stamp_html(STAMP)
    assert 'class="labtools-stamp"' in html and 'data-result="passed"' in html
    for text in ("2026-11-24 10:00:00 UTC", "3.2 s", "9.9.9", "0123456789ab", "feedbeef", "3.11.7"):
        assert text in html
    assert "0123456789abcdef0123" not in html  # commit shortened


def test_stamp_round_trips_through_a_dict() -> None:
    assert Stamp.from_dict(STAMP.to_dict() | {"extra": 1}) == STAMP


def test_status_page_has_a_row_per_tutorial() -> None:
    other = Stamp(**(STAMP.to_dict() | {"tutorial": "02-env"}))
    text = render_status_markdown([STAMP, other], {"01-anatomy": "01-anatomy.ipynb"})
    assert "[01-anatomy](01-anatomy.ipynb)" in text
    assert "[02-env](02-env)" in text
    assert text.count("| passed |") == 2


BASE = {
    "source": b"x = 1",
    "labtools_tree": "t",
    "environment": "e",
    "options": "o",
    "sandbox": "s",
}


@pytest.mark.parametrize("field", sorted(BASE))
def test_cache_key_changes_with_each_input(field: str) -> None:
    changed = dict(BASE)
    changed[field] = b"x = 2" if field == "source" else "other"
    assert cache_key(**BASE) != cache_key(**changed)  # type: ignore[arg-type]
    assert cache_key(**BASE) == cache_key(**dict(BASE))  # type: ignore[arg-type]


def test_env_hash_ignores_order_and_name_spelling() -> None:
    a = env_hash([("Jupyter_Client", "8.1"), ("numpy", "2.0")])
    assert a == env_hash([("numpy", "2.0"), ("jupyter-client", "8.1")])
    assert a != env_hash([("numpy", "2.1"), ("jupyter-client", "8.1")])


def test_redact_masks_registered_secrets_and_patterns() -> None:
    token = register_secret("s3cr3t-token-value")
    text = (
        f"url http://127.0.0.1:8888/?token=abcdef0123456789 and {token}\n"
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
        "argon2:$argon2id$v=19$m=10240,t=10,p=8$c2FsdA$aGFzaA"
    )
    out = redact(text)
    assert token not in out and "abcdef0123456789" not in out
    assert "PRIVATE KEY" not in out and "argon2id" not in out
    assert out.count(MASK) == 4


def test_redact_notebook_scrubs_every_output_kind() -> None:
    secret = "pa55word-for-the-lab"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(f"print('{secret}')")  # sources are not outputs
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=f"pw={secret}\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": f"'{secret}'"}),
        nbformat.v4.new_output("error", ename="E", evalue=secret, traceback=[f"x {secret}"]),
    ]
    nb.cells.append(cell)
    redact_notebook(nb, {secret})
    dumped = nbformat.writes(nb)
    assert dumped.count(secret) == 1  # only the source line remains
    assert MASK in cell.outputs[0]["text"] and MASK in cell.outputs[2]["evalue"]


def test_cell_timeout_from_tag_metadata_or_default() -> None:
    tagged = nbformat.v4.new_code_cell("x", metadata={"tags": ["timeout=7"]})
    meta = nbformat.v4.new_code_cell("x", metadata={"timeout": 9})
    plain = nbformat.v4.new_code_cell("x")
    assert (cell_timeout(tagged, 60), cell_timeout(meta, 60), cell_timeout(plain, 60)) == (7, 9, 60)


def test_unraised_cells_finds_tagged_cells_without_error() -> None:
    nb = nbformat.v4.new_notebook()
    ok = nbformat.v4.new_code_cell("1/0", metadata={"tags": ["raises-exception"]})
    ok.outputs = [
        nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="", traceback=[])
    ]
    silent = nbformat.v4.new_code_cell("1", metadata={"tags": ["raises-exception"]})
    nb.cells = [ok, nbformat.v4.new_markdown_cell("x"), silent]
    assert unraised_cells(nb) == [2]


def test_long_outputs_keep_head_and_tail_only() -> None:
    from labtools.handbook.outputs import truncate_outputs, truncate_text

    long = "".join(f"line {i}\n" for i in range(200))
    short = truncate_text(long, max_lines=80, head=50, tail=20)
    kept = short.splitlines()
    assert kept[0] == "line 0" and kept[49] == "line 49" and kept[-1] == "line 199"
    assert "130 lines not shown" in kept[50] and len(kept) == 71
    assert truncate_text("a\nb\n") == "a\nb\n"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=long),
        nbformat.v4.new_output("execute_result", data={"text/plain": "ok"}),
    ]
    nb.cells = [cell]
    assert truncate_outputs(nb) == 1
    assert "lines not shown" in cell.outputs[0]["text"]
    assert cell.outputs[1]["data"]["text/plain"] == "ok"
