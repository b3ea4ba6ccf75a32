"""The submissions database: WAL, survives reopening, ranks by SAD, keeps GT versions apart."""

from __future__ import annotations

import math
import sqlite3
import threading

import pytest

from benchmark.serve.store import DB_NAME, Submission, SubmissionStore, validate_fields
from human2k.errors import InputError


def _sub(name, sad, fingerprint="gt1", **kw):
    means = {"sad": sad, "mse": 0.001, "grad": 2.0, "conn": math.nan}
    return Submission("bench", fingerprint, name, means=means, n_images=3, **kw)


def test_a_new_store_is_a_wal_database_that_survives_reopening(tmp_path):
    store = SubmissionStore(tmp_path)
    assert store.journal_mode() == "wal"
    sid = store.add(_sub("b", 2.0, per_image=[{"image": "x", "sad": 2.0}], upload_sha256="ab"))
    store.add(_sub("a", 1.0, method="Net", link="http://a.org/x?y=1"))
    store.add(_sub("nan", math.nan))
    again = SubmissionStore(tmp_path)  # as after a restart
    listed = again.list("bench", "gt1")
    assert [s.name for s in listed] == ["a", "b", "nan"]  # best SAD first, undefined last
    assert listed[0].method == "Net" and listed[0].link == "http://a.org/x?y=1"
    assert math.isnan(listed[0].means["conn"]) and listed[1].upload_sha256 == "ab"
    assert again.per_image(sid) == [{"image": "x", "sad": 2.0}]
    con = sqlite3.connect(tmp_path / DB_NAME)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    con.close()


def test_other_gt_versions_are_kept_but_not_listed(tmp_path):
    store = SubmissionStore(tmp_path)
    store.add(_sub("old", 1.0, fingerprint="gt0"))
    store.add(_sub("new", 2.0))
    assert [s.name for s in store.list("bench", "gt1")] == ["new"]
    assert store.count_other_versions("bench", "gt1") == 1


@pytest.mark.parametrize(
    "name,method,link,match",
    [
        ("", "", "", "a submission name is required"),
        ("x" * 81, "", "", "at most 80"),
        ("ok", "bad\nline", "", "printable"),
        ("ok", "", "javascript:alert(1)", "http:// or https://"),
        ("ok", "", "https://a.org/<script>", "http:// or https://"),
    ],
)
def test_fields_are_validated(name, method, link, match):
    with pytest.raises(InputError, match=match):
        validate_fields(name, method, link)


def test_concurrent_writers_and_a_consistent_backup(tmp_path):
    store = SubmissionStore(tmp_path)
    threads = [
        threading.Thread(target=lambda i=i: store.add(_sub(f"t{i}", float(i)))) for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    copy = store.backup(tmp_path / "backup" / "copy.sqlite")
    con = sqlite3.connect(copy)
    assert con.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 8
    con.close()


def test_a_newer_schema_is_refused(tmp_path):
    SubmissionStore(tmp_path)
    con = sqlite3.connect(tmp_path / DB_NAME)
    con.execute("PRAGMA user_version=99")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="schema version 99 is newer"):
        SubmissionStore(tmp_path)
