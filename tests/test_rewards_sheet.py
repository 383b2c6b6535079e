"""The input sheet: every validation error names its row and column; a bad sheet changes nothing."""

import io

import pytest
from openpyxl import Workbook

from sandbox.domain.rewards import importer, plays, sheet_rows
from sandbox.domain.rewards.sheet import XLSX
from tests.conftest import ROOT
from tests.helpers import tenant

HEADER = (
    "Campaign ID,Campaign Name,Campaign Type,Trigger Event,Trigger Condition,Reward Variant,"
    "Reward Type,Reward Name,Reward Amount,Coupon Codes,Winning chance Percentage,Win Ratio,Cap,"
    "Start,End"
)
GOOD = "c1,Scratch,scratchcard,completePurchase,amount >= 500,v1,coupons,Off,10,A1;A2,25%,,,,"
POOLS = ROOT / "fixtures" / "pools"


def _check(app, *rows, header=HEADER):
    store = app.extensions["sandbox.store"]
    data = "\n".join([header, *rows]).encode()
    return importer.check(store, tenant(app)["id"], data, "text/csv", POOLS)


def _only_error(app, *rows, **kw):
    _campaigns, errors = _check(app, *rows, **kw)
    assert len(errors) == 1, errors
    return errors[0]


def test_a_good_sheet_reads_into_campaigns_with_no_reward_share(app):
    campaigns, errors = _check(
        app, GOOD, "c1,Scratch,scratchcard,completePurchase,amount >= 500,v2,coins,200,200,,30,,,,"
    )
    assert errors == []
    view = importer.view(campaigns)
    assert view[0]["noRewardChance"] == 45.0
    assert [v["chance"] for v in view[0]["variants"]] == [25.0, 30.0]
    assert view[0]["variants"][0]["couponsLeft"] == 2


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("c1,S,scratchcard,e,,v1,coupons,Off,,,80%,,,,", "Winning chance Percentage", "add up"),
        ("c1,S,scratchcard,e,,v1,coupons,Off,,,120,,,,", "Winning chance Percentage", "0-100"),
        ("c1,S,scratchcard,e,,v1,coupons,Off,,,25,1,,,", "Win Ratio", "both"),
        ("c1,S,bingo,e,,v1,coupons,Off,,,25,,,,", "Campaign Type", "unknown campaign type"),
        ("c1,S,scratchcard,e,,v1,vouchers,Off,,,25,,,,", "Reward Type", "unknown reward type"),
        (
            "c1,S,scratchcard,e,amount >> 5,v1,coupons,Off,,,25,,,,",
            "Trigger Condition",
            "unparsable",
        ),
        ("c1,S,scratchcard,e,,v1,coupons,Off,,A1,25,,,,", "Coupon Codes", "also on row 2"),
        ("c1,S,scratchcard,e,,v1,coupons,Off,,nope.txt,25,,,,", "Coupon Codes", "no pool file"),
        ("c1,S,scratchcard,e,,v1,coupons,Off,,,25,,,2026-05-01,2026-04-01", "End", "before"),
        ("c1,S,scratchcard,e,,v1,coupons,Off,,,25,,0,,", "Cap", "whole number"),
        ("c1,S,scratchcard,e,,v1,coupons,Off,,,25,,²,,", "Cap", "whole number"),  # not a 500
        pytest.param(
            "c1,S,scratchcard,e,,v1,coupons,Off,,,25,," + "9" * 5000 + ",,",
            "Cap",
            "whole number",
            id="cap-of-5000-digits",  # past int()'s limit: not a 500
        ),
        ("c1,S,scratchcard,e,,v1,coupons,Off,,,25,,,soon,", "Start", "not a date"),
    ],
)
def test_each_validation_error_names_its_row_and_column(app, row, column, words):
    # GOOD is row 2 (the header is row 1); the row under test is row 3.
    error = _only_error(app, GOOD, row)
    assert (error["row"], error["column"]) == (3, column), error
    assert words in error["message"] and error["hint"]


def test_a_campaign_that_mixes_percentages_and_ratios_is_refused(app):
    error = _only_error(app, GOOD, "c1,S,scratchcard,e,,v2,coins,C,,,,2,,,")
    assert (error["row"], error["column"]) == (3, "Win Ratio") and "mixes" in error["message"]


def test_a_code_already_issued_is_refused(app):
    store = app.extensions["sandbox.store"]
    t = tenant(app)
    campaigns, _ = _check(app, "c5,S,scratchcard,e,,v1,coupons,Off,,Z1;Z2,100,,,,")
    store.write(importer.import_campaigns(t["id"], campaigns, "now"))
    code = store.write(plays.play(t, "c5", "u", "seed", "now"))["code"]
    assert code == "Z1" and sheet_rows.issued_codes(store, t["id"]) == {"Z1"}
    error = _only_error(app, "c9,S,scratchcard,e,,v1,coupons,Off,,Z1,25,,,,")
    assert (error["row"], error["column"]) == (2, "Coupon Codes")
    assert "already issued" in error["message"]


def test_every_error_is_reported_at_once_and_a_missing_column_is_row_1(app):
    _c, errors = _check(app, "c1,S,bingo,e,,v1,vouchers,Off,x,,200,,,,")
    assert {(e["row"], e["column"]) for e in errors} == {
        (2, "Campaign Type"),
        (2, "Reward Type"),
        (2, "Reward Amount"),
        (2, "Winning chance Percentage"),
    }
    error = _only_error(
        app, "c1,v1,coupons,25", header="Campaign ID,Reward Variant,Reward Type,Win Ratio"
    )
    assert (error["row"], error["column"]) == (1, "Campaign Type")


def test_an_unreadable_file_is_one_error_not_a_crash(app):
    store = app.extensions["sandbox.store"]
    for data in (b"\xff\xfe\x00garbage", b"PK\x03\x04 not really a zip", b""):
        _c, errors = importer.check(store, tenant(app)["id"], data, "text/csv", POOLS)
        assert len(errors) == 1 and errors[0]["message"].startswith("unreadable sheet")


def test_an_xlsx_sheet_reads_like_the_csv(app):
    book = Workbook()
    sheet = book.active
    for line in (HEADER, GOOD):
        sheet.append([_cell(v) for v in line.split(",")])
    buf = io.BytesIO()
    book.save(buf)
    store = app.extensions["sandbox.store"]
    campaigns, errors = importer.check(store, tenant(app)["id"], buf.getvalue(), XLSX, POOLS)
    assert errors == [] and importer.view(campaigns)[0]["variants"][0]["chance"] == 25.0


def _cell(text):
    return float(text) if text.replace(".", "", 1).isdigit() else (text or None)


def test_the_cli_imports_the_demo_sheet_and_an_invalid_sheet_changes_nothing(runner, app, tmp_path):
    demo = ROOT / "fixtures" / "demo" / "reward-sheet.csv"
    result = runner.invoke(args=["campaigns", "import", "Demo Partner", str(demo)])
    assert result.exit_code == 0, result.output
    assert "imported 7 campaign(s)" in result.output and "30.000 %  no reward" in result.output
    before = runner.invoke(args=["campaigns", "list", "Demo Partner", "--json"]).output
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "\n".join([HEADER, GOOD, "demo-wheel,S,scratchcard,e,,v1,coupons,Off,,,120,,,,"])
    )
    result = runner.invoke(args=["campaigns", "import", "Demo Partner", str(bad)])
    assert result.exit_code != 0 and "row 3, Winning chance Percentage" in result.output
    assert runner.invoke(args=["campaigns", "list", "Demo Partner", "--json"]).output == before
    dry = runner.invoke(args=["campaigns", "import", "Demo Partner", str(demo), "--dry-run"])
    assert dry.exit_code == 0 and "would import" in dry.output
