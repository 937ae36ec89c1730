"""A calibration run's folder: fresh, resumed, finished, replaced; sizes checked first."""

import json

import pytest

from awaken.calibrate import outputs
from awaken.cli import main
from awaken.core.errors import InputError

ID = {"problem": "p", "seed": 0}


def _awaken(capsys, *args):
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    captured = capsys.readouterr()
    return stop.value.code, captured.out + captured.err


def _finished(tmp_path):
    out = tmp_path / "fit"
    (out / "m").mkdir(parents=True)
    (out / "m" / "abc.db").write_text("history")
    (out / "m" / "abc.json").write_text("{}")
    (out / "summary.json").write_text('{"x": 1}')
    outputs.finish(out, ["summary.json"], ID)
    return out


def test_prepare_fresh_folder_and_resume_without_history(tmp_path):
    assert outputs.prepare(tmp_path / "new", ["m/abc.db"], ID, resume=False,
                           force=False) == "fresh"
    with pytest.raises(InputError, match="nothing to resume"):
        outputs.prepare(tmp_path / "new", ["m/abc.db"], ID, resume=True, force=False)
    with pytest.raises(InputError, match="exclude each other"):
        outputs.prepare(tmp_path / "new", ["m/abc.db"], ID, resume=True, force=True)


def test_prepare_refuses_to_replace_a_fit_unless_forced(tmp_path):
    out = _finished(tmp_path)
    with pytest.raises(InputError, match="already holds a finished fit.*--force"):
        outputs.prepare(out, ["m/abc.db"], ID, resume=False, force=False)
    assert outputs.prepare(out, ["m/abc.db"], ID, resume=True, force=False) == "finished"
    with pytest.raises(InputError, match="different finished fit"):
        outputs.prepare(out, ["m/abc.db"], {**ID, "seed": 1}, resume=True, force=False)
    assert outputs.prepare(out, ["m/abc.db"], ID, resume=False, force=True) == "fresh"
    # the old set and its histories are gone: old and new files never mix
    assert not any((out / f).exists() for f in ("manifest.json", "summary.json", "m/abc.db",
                                                "m/abc.json"))


def test_prepare_refuses_an_unfinished_history_without_resume(tmp_path):
    import sqlite3

    (tmp_path / "m").mkdir()
    with sqlite3.connect(tmp_path / "m" / "abc.db") as con:
        con.execute("CREATE TABLE abc_smc (id INTEGER)")
    with pytest.raises(InputError, match="unfinished fit.*--resume continues it"):
        outputs.prepare(tmp_path, ["m/abc.db"], ID, resume=False, force=False)
    assert outputs.prepare(tmp_path, ["m/abc.db"], ID, resume=True, force=False) == "resume"


def test_manifest_lists_the_set(tmp_path):
    out = _finished(tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["identity"] == ID and set(manifest["files"]) == {"summary.json"}
    assert manifest["files"]["summary.json"]["bytes"] == len('{"x": 1}')


def test_cli_resume_without_history_is_one_line_exit_2(tmp_path, capsys):
    code, text = _awaken(capsys, "calibrate", "chia2025", "--out", str(tmp_path / "x"),
                         "--resume")
    assert code == 2 and "nothing to resume" in text and len(text.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(("args", "named"), [
    (["--particles", "1000000000"], "particles"), (["--particles", "1"], "particles"),
    (["--populations", "1000"], "populations"), (["--seed", "4294967296"], "seed"),
    (["--seed", "-1"], "seed"), (["--draws", "0"], "draws"),
    (["--single-stage", "--particles", "100001"], "particles"),
    (["--single-stage", "--seed", "4294967296"], "seed"),
    (["--method", "likelihood"], "--single-stage"),
    (["--single-stage", "--held-out", "none"], "--single-stage"),
])
def test_cli_sizes_checked_before_any_work(tmp_path, capsys, args, named):
    code, text = _awaken(capsys, "calibrate", "chia2025", "--out", str(tmp_path / "x"), *args)
    assert code == 2 and named in text and len(text.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_cli_finished_fit_refused_resumed_as_no_op_and_forced(tmp_path, capsys):
    out = tmp_path / "b"
    base = ["calibrate", "baccam2006", "--out", str(out), "--populations", "1",
            "--particles", "10"]
    assert _awaken(capsys, *base)[0] == 0
    summary = (out / "summary.json").read_bytes()
    manifest = json.loads((out / "manifest.json").read_text())
    assert {"summary.json", "posterior.parquet", "predictive_check.png",
            "petab/problem.yaml"} <= set(manifest["files"])
    code, text = _awaken(capsys, *base)
    assert code == 2 and "already holds a finished fit" in text
    code, text = _awaken(capsys, *base, "--resume")
    assert code == 0 and "nothing to resume" in text
    assert (out / "summary.json").read_bytes() == summary  # estimates unchanged
    code, text = _awaken(capsys, *base, "--seed", "1", "--resume")
    assert code == 2 and "different finished fit" in text
    assert _awaken(capsys, *base, "--force", "--seed", "1")[0] == 0
    assert json.loads((out / "summary.json").read_text())["meta"]["seed"] == 1


def test_cli_corrupt_history_is_one_line_exit_2(tmp_path, capsys):
    out = tmp_path / "b"
    (out).mkdir()
    (out / "abc.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 3000)
    from awaken.calibrate.problems import problem

    free = list(problem("baccam2006").free_ids)
    (out / "abc.json").write_text(json.dumps({"problem": "baccam2006", "parameters": free,
                                              "particles": 10, "seed": 0}))
    code, text = _awaken(capsys, "calibrate", "baccam2006", "--out", str(out), "--resume",
                         "--populations", "2", "--particles", "10")
    assert code == 2 and len(text.strip().splitlines()) == 1
    assert "not a readable ABC history" in text
