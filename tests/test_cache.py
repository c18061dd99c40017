"""Cache keys and the crash safety of the execution cache."""

from __future__ import annotations

import json
from pathlib import Path

from d2lbook.execute.cache import ExecutionCache, Record, cache_key


def nb(*cells):
    return [{"cell_type": t, "source": s, "metadata": m} for t, s, m in cells]


BASE = nb(("markdown", "# Title\n\nProse.", {}), ("code", "x = 1\nprint(x)", {}),
          ("code", "y = 2", {"tags": ["hide-input"]}))


def test_prose_edits_do_not_change_the_key():
    edited = nb(("markdown", "# Another title\n\nOther prose.", {}),
                ("code", "x = 1\nprint(x)", {}), ("code", "y = 2", {"tags": ["hide-input"]}))
    assert cache_key(BASE, "python3", "env") == cache_key(edited, "python3", "env")


def test_code_metadata_kernel_and_environment_change_the_key():
    key = cache_key(BASE, "python3", "env")
    code = nb(("code", "x = 2\nprint(x)", {}), ("code", "y = 2", {"tags": ["hide-input"]}))
    meta = nb(("code", "x = 1\nprint(x)", {}), ("code", "y = 2", {"tags": ["raises-exception"]}))
    assert cache_key(code, "python3", "env") != key
    assert cache_key(meta, "python3", "env") != key
    assert cache_key(BASE, "other", "env") != key
    assert cache_key(BASE, "python3", "env2") != key


def test_cell_boundaries_matter():
    one = nb(("code", "a = 1\nb = 2", {}))
    two = nb(("code", "a = 1", {}), ("code", "b = 2", {}))
    assert cache_key(one, "k", "e") != cache_key(two, "k", "e")


def test_list_and_string_sources_agree():
    listed = [{"cell_type": "code", "source": ["x = 1\n", "print(x)"], "metadata": {}}]
    assert cache_key(listed, "k", "e") == cache_key(nb(("code", "x = 1\nprint(x)", {})), "k", "e")


def record(key: str) -> Record:
    return Record(key, "page", [[{"output_type": "stream", "name": "stdout", "text": "1\n"}]],
                  [1], 0.5, 1.0)


def test_round_trip_and_listing(tmp_path: Path):
    cache = ExecutionCache(tmp_path)
    key = "ab" + "0" * 62
    cache.put(record(key))
    assert cache.get(key).outputs[0][0]["text"] == "1\n"
    assert [e.key for e in cache.entries()] == [key]
    assert cache.clear() == 1
    assert cache.get(key) is None and cache.entries() == []


def test_a_truncated_record_is_a_miss_and_is_removed(tmp_path: Path):
    cache = ExecutionCache(tmp_path)
    key = "cd" + "1" * 62
    path = cache.put(record(key))
    path.write_text(path.read_text()[:20])  # what a crash mid-write would leave without rename
    assert cache.get(key) is None
    assert not path.exists()


def test_a_record_under_the_wrong_name_is_not_trusted(tmp_path: Path):
    cache = ExecutionCache(tmp_path)
    key, other = "ef" + "2" * 62, "ef" + "3" * 62
    path = cache.put(record(key))
    path.rename(path.with_name(f"{other}.json"))
    assert cache.get(other) is None


def test_leftover_temporary_files_are_ignored_and_cleared(tmp_path: Path):
    cache = ExecutionCache(tmp_path)
    (tmp_path / "aa").mkdir()
    (tmp_path / "aa" / ".tmp-123.json").write_text(json.dumps({"partial": True}))
    assert cache.entries() == []
    cache.clear()
    assert not (tmp_path / "aa").exists()
