"""`rehabdash batches withdraw ID --reason TEXT` and `rehabdash batches reinstate ID`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from plan_store import referral_rows, write_store

from rehabdash.cli import main
from rehabdash.queries.overview import overview


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_withdraw_list_and_reinstate(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    rows = referral_rows(referral_date=[dt.date(2024, 5, 1), dt.date(2024, 9, 30)] * 5)
    engine = write_store(store_url, rows)  # one activity batch: 1
    reason = "the wrong provider's file (see batch 3)"
    code, out, err = _run(capsys, "batches", "withdraw", "1", "--reason", reason, "--db", store_url)
    assert (code, err) == (0, "")
    first, second, third = out.splitlines()
    assert first == (
        "withdrew batch 1 (test activity): 10 referrals received 01/05/2024 to 30/09/2024"
    )
    assert second == "it is kept for audit and no longer counted by any figure, page or export"
    assert third.startswith("recorded: withdrawn by ")
    assert third.endswith(": the wrong provider's file (see batch 3)")
    assert overview(engine) is None  # nothing live is left

    code, out, err = _run(capsys, "batches", "--db", store_url)
    assert code == 0
    header, batch = out.splitlines()
    assert header.split()[:3] == ["id", "kind", "status"]
    assert header.split()[-1] == "note"  # who withdrew it, when and why
    assert batch.split()[:3] == ["1", "activity", "withdrawn"]
    today = f"{dt.datetime.now().astimezone():%d/%m/%Y}"
    note = batch[header.index("note") :]
    assert note.startswith(f"{today} by ")
    assert note.endswith(": the wrong provider's file (see batch 3)")

    code, out, err = _run(capsys, "batches", "withdraw", "1", "--reason", "x", "--db", store_url)
    assert code == 2
    assert err.startswith("rehabdash: error: cannot withdraw batch 1: it is already withdrawn ")
    assert len(err.splitlines()) == 1

    code, out, err = _run(capsys, "batches", "reinstate", "1", "--db", store_url)
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("reinstated batch 1 (test activity): 10 referrals")
    summary = overview(engine)
    assert summary is not None
    assert summary.headline.referrals == 10
    _code, out, _err = _run(capsys, "batches", "--db", store_url)
    header, batch = out.splitlines()
    assert batch.split()[2] == "committed"
    assert batch[header.index("note") :].startswith(f"reinstated {today} by ")

    code, out, err = _run(capsys, "batches", "reinstate", "7", "--db", store_url)
    assert code == 2
    assert err == (
        "rehabdash: error: cannot reinstate batch 7: there is no such batch in this store\n"
    )
    engine.dispose()


def test_withdraw_needs_a_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    with pytest.raises(SystemExit):
        main(["batches", "withdraw", "1", "--db", url])
    assert "the following arguments are required: --reason" in capsys.readouterr().err
    code, _out, err = _run(capsys, "batches", "withdraw", "1", "--reason", " ", "--db", url)
    assert code == 2
    assert err == (
        "rehabdash: error: give a reason for withdrawing batch 1: it is kept in the audit trail\n"
    )
