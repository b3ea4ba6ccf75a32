"""Predictions zips: what is extracted, and every refused archive (nothing written then)."""

from __future__ import annotations

import stat
import zipfile

import pytest

from benchmark.serve.limits import MB, ServeLimits, check_pixels
from benchmark.serve.zip_safety import extract_pngs
from human2k.errors import InputError


def _zip(path, entries, *, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in entries:  # a name or a ZipInfo
            z.writestr(name, data)
    return path


def _refused(tmp_path, entries, match, limits=ServeLimits()):
    archive = _zip(tmp_path / "up.zip", entries)
    with pytest.raises(InputError, match=match) as info:
        extract_pngs(archive, tmp_path / "out", limits, label="up.zip")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert str(info.value).startswith("up.zip: ")
    return str(info.value)


def test_pngs_at_the_top_or_in_one_folder_are_extracted_flat(tmp_path):
    entries = [
        ("preds/", b""),
        ("preds/a.png", b"A"),
        ("preds/b.PNG", b"B"),
        ("preds/notes.txt", b""),
    ]
    entries += [
        ("__MACOSX/preds/._a.png", b"x"),
        ("preds/.DS_Store", b"x"),
        ("preds/._b.png", b"x"),
    ]
    out = extract_pngs(_zip(tmp_path / "a.zip", entries), tmp_path / "o", ServeLimits(), label="a")
    assert [p.name for p in out] == ["a.png", "b.PNG"]
    assert (tmp_path / "o" / "a.png").read_bytes() == b"A"
    top = extract_pngs(
        _zip(tmp_path / "b.zip", [("c.png", b"C")]), tmp_path / "p", ServeLimits(), label="b"
    )
    assert [p.name for p in top] == ["c.png"]


@pytest.mark.parametrize(
    "name,match",
    [
        ("../evil.png", "zip-slip"),
        ("preds/../../evil.png", "zip-slip"),
        ("/etc/evil.png", "absolute"),
        ("C:/evil.png", "absolute"),
        ("preds\\evil.png", "non-portable"),
    ],
)
def test_zip_slip_and_absolute_paths_are_refused(tmp_path, name, match):
    _refused(tmp_path, [("ok.png", b"x"), (name, b"x")], match)
    assert not (tmp_path.parent / "evil.png").exists()


def test_symlinks_and_special_files_are_refused(tmp_path):
    link = zipfile.ZipInfo("a.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    _refused(tmp_path, [(link, "/etc/passwd")], "symbolic link")
    fifo = zipfile.ZipInfo("b.png")
    fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
    _refused(tmp_path, [(fifo, b"")], "not a regular file")


def test_bombs_are_refused_by_size_count_and_ratio(tmp_path):
    limits = ServeLimits(max_unpacked_mb=1, max_zip_entries=3)
    _refused(tmp_path, [(f"{i}.png", b"x") for i in range(4)], "4 entries; the limit is 3", limits)
    big = b"\0" * (MB // 2 + 1)
    _refused(tmp_path, [("a.png", big), ("b.png", big)], "more than 1 MiB uncompressed", limits)
    _refused(tmp_path, [("a.png", b"\0" * (2 * MB))], "inflates .*x .*zip bomb")


def test_layout_problems_are_named(tmp_path):
    _refused(tmp_path, [("a/x.png", b""), ("b/y.png", b"")], "PNG files in 2 folders")
    _refused(tmp_path, [("a/b/x.png", b"")], "nested folder")
    _refused(tmp_path, [("x.png", b""), ("a/x.png", b"")], "x.png' appears twice|2 folders")


def test_not_a_zip_and_a_lying_header(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK not really")
    with pytest.raises(InputError, match="not a readable zip"):
        extract_pngs(junk, tmp_path / "o", ServeLimits(), label="junk.zip")
    archive = _zip(
        tmp_path / "lie.zip", [("a.png", b"0123456789" * 100)], compression=zipfile.ZIP_STORED
    )
    data = bytearray(archive.read_bytes())
    central = data.rfind(b"PK\x01\x02")  # central directory: uncompressed size at offset 24
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    with pytest.raises(InputError, match="cannot be extracted|larger than its header"):
        extract_pngs(archive, tmp_path / "o2", ServeLimits(), label="lie.zip")


def test_limits_are_checked(tmp_path):
    with pytest.raises(InputError, match="max_upload_mb must be a positive integer"):
        ServeLimits(max_upload_mb=0)
    assert check_pixels(tmp_path / "missing.png", 10, label="x") == (0, 0)  # left to the readers
