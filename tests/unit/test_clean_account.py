"""``account``: reclaimable bytes when cache files are hard-linked into environments."""

from __future__ import annotations

from labtools.clean import FileInfo, account


def f(path: str, inode: int, size: int, nlink: int = 1) -> FileInfo:
    return FileInfo(tuple(path.split("/")), (1, inode), size, nlink)


def test_unlinked_units_are_fully_reclaimable() -> None:
    usage = account([f("pkgs/a-1/lib.so", 1, 100), f("pkgs/a-1/info/index.json", 2, 10),
                     f("repodata/x.json", 3, 50)], depth=2)
    assert usage[("pkgs", "a-1")].reclaimable == 110
    assert usage[("repodata", "x.json")].reclaimable == 50
    assert not any(u.in_use for u in usage.values())


def test_a_hard_link_into_an_env_makes_the_whole_unit_in_use() -> None:
    usage = account([f("a-1/lib.so", 1, 100, nlink=2), f("a-1/info/index.json", 2, 10),
                     f("b-1/data", 3, 7)], depth=1)
    assert usage[("a-1",)].in_use
    assert usage[("a-1",)].size == 110
    assert usage[("a-1",)].reclaimable == 0
    assert usage[("b-1",)].reclaimable == 7


def test_links_inside_the_cache_count_once_and_stay_reclaimable() -> None:
    # the same inode twice inside the cache (nlink 2, both links inside): freed once
    usage = account([f("a-1/x", 9, 40, nlink=2), f("a-1/y", 9, 40, nlink=2)], depth=1)
    assert usage[("a-1",)].size == 40
    assert usage[("a-1",)].reclaimable == 40
    assert not usage[("a-1",)].in_use


def test_files_above_the_unit_depth_are_their_own_units() -> None:
    usage = account([f("CACHEDIR.TAG", 1, 43), f("archive-v0/abc/m.py", 2, 5)], depth=2)
    assert set(usage) == {("CACHEDIR.TAG",), ("archive-v0", "abc")}
