"""The draw: seeded, replayable, true to the odds (chi-square); coupon pools and caps."""

import pytest

from sandbox.domain.rewards import draw, importer, odds, plays
from sandbox.domain.rewards.validate import Campaign, Variant
from sandbox.store import CoreWrite
from tests.helpers import tenant

# Chi-square critical values at p = 0.001 (any statistics table): above them, the odds
# the draw produced differ from the configured ones.
CRITICAL_P001 = {2: 13.816, 3: 16.266}
N = 100_000


def _counts(chances, mode, seed="chi", n=N):
    shares = draw.chances_of(chances, mode)
    bounds = draw.thresholds(shares)
    counts = [0] * (len(shares) + 1)
    for seq in range(1, n + 1):
        index = draw.pick(draw.roll_for(seed, "tenant", "camp", seq), bounds, [True] * len(shares))
        counts[len(shares) if index is None else index] += 1
    expected = [n * s / 100 for s in shares] + [n * max(0.0, 100 - sum(shares)) / 100]
    return counts, expected


@pytest.mark.parametrize(
    ("chances", "mode"),
    [
        ([25, 25, 25, 25], "percent"),
        ([30, 40, 30], "percent"),
        ([1, 1, 1, 1], "ratio"),
        ([10, 20, 30], "percent"),  # 40 % no reward
    ],
)
def test_100000_draws_match_the_configured_odds(chances, mode):
    counts, expected = _counts(chances, mode)
    cells = [(o, e) for o, e in zip(counts, expected, strict=True) if e > 0]
    assert sum(o for o, e in zip(counts, expected, strict=True) if e == 0) == 0
    chi2 = sum((o - e) ** 2 / e for o, e in cells)
    assert chi2 < CRITICAL_P001[len(cells) - 1], (counts, expected, chi2)


def test_the_same_seed_replays_the_same_draws_and_another_seed_does_not():
    first = [draw.roll_for("s1", "t", "c", seq) for seq in range(1, 1001)]
    assert first == [draw.roll_for("s1", "t", "c", seq) for seq in range(1, 1001)]
    assert first != [draw.roll_for("s2", "t", "c", seq) for seq in range(1, 1001)]
    assert first != [draw.roll_for("s1", "other-tenant", "c", seq) for seq in range(1, 1001)]
    assert all(0 <= r < 100 for r in first)


def test_an_unavailable_variant_keeps_its_interval_as_no_reward():
    bounds = draw.thresholds([25, 25, 25, 25])
    assert bounds == [25, 50, 75, 100]
    assert draw.pick(30.0, bounds, [True, True, True, True]) == 1
    assert draw.pick(30.0, bounds, [True, False, True, True]) is None
    assert draw.pick(80.0, bounds, [True, False, True, True]) == 3
    assert draw.pick(99.99, draw.thresholds([10, 20, 30]), [True] * 3) is None


def _campaign(variants, cid="camp"):
    return Campaign(
        cid, "Camp", "scratchcard", "completePurchase", "", "percent", None, None, variants=variants
    )


def _variant(name, chance, codes=None, cap=None, row=2):
    return Variant(row, name, "coupons", name, 10.0, chance, codes, cap, chance)


def test_plays_issue_each_code_once_and_stop_at_the_pool(app):
    store = app.extensions["sandbox.store"]
    t = tenant(app)
    store.write(
        importer.import_campaigns(
            t["id"], [_campaign([_variant("code", 100.0, [f"C{i}" for i in range(20)])])], "now"
        )
    )
    results = [store.write(plays.play(t, "camp", f"u{i}", "seed", "now")) for i in range(30)]
    codes = [r["code"] for r in results if r["code"]]
    assert len(codes) == 20 and len(set(codes)) == 20
    assert [r["seq"] for r in results] == list(range(1, 31))
    assert all(r["outcome"] == "no_reward: code no coupon left" for r in results[20:])
    summary = odds.summary(store, t["id"], "camp")[0]
    assert summary["variants"][0]["couponsLeft"] == 0 and summary["variants"][0]["wins"] == 20
    queued = store.all(
        "SELECT payload FROM outbox WHERE tenant_id = ? AND kind = 'reward_webhook'", (t["id"],)
    )
    assert len(queued) == 20  # one reward webhook row per win, in the same transaction
    rewards = store.all("SELECT status, code FROM rewards WHERE tenant_id = ?", (t["id"],))
    assert {r["status"] for r in rewards} == {"redeemable-unseen"} and len(rewards) == 20


def test_a_cap_limits_the_winners_of_a_variant(app):
    store = app.extensions["sandbox.store"]
    t = tenant(app)
    store.write(
        importer.import_campaigns(t["id"], [_campaign([_variant("capped", 100.0, cap=3)])], "now")
    )
    results = [store.write(plays.play(t, "camp", "u", "seed", "now")) for _ in range(6)]
    assert [r["variant"] for r in results] == ["capped"] * 3 + [None] * 3
    assert results[-1]["outcome"] == "no_reward: capped cap reached"


def test_a_code_cannot_be_issued_twice_even_if_a_write_tries(app):
    store = app.extensions["sandbox.store"]
    t = tenant(app)
    store.write(
        importer.import_campaigns(t["id"], [_campaign([_variant("v", 100.0, ["ONLY"])])], "now")
    )
    store.write(plays.play(t, "camp", "u1", "seed", "now"))

    def second_taker(conn):
        conn.execute(
            "INSERT INTO draws (tenant_id, campaign_id, seq, user_id, roll, thresholds, code, "
            "outcome, at) VALUES (?, 'camp', 99, 'u2', 1, '[]', 'ONLY', 'won', 'now')",
            (t["id"],),
        )

    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        store.write(CoreWrite(second_taker))


def test_draws_report_counts_beside_the_odds_and_replay(app):
    store = app.extensions["sandbox.store"]
    t = tenant(app)
    camp = _campaign([_variant("a", 50.0), _variant("b", 25.0)])
    store.write(importer.import_campaigns(t["id"], [camp], "now"))
    first = [store.write(plays.play(t, "camp", "u", "seed", "now")) for _ in range(200)]
    report = odds.draws(store, t["id"], "camp")
    assert report["total"] == 200
    assert [row["configured"] for row in report["byVariant"]] == [50.0, 25.0, 25.0]
    assert sum(row["draws"] for row in report["byVariant"]) == 200
    d = report["draws"][-1]  # the first draw: its roll and thresholds explain the outcome
    assert d["seq"] == 1 and d["thresholds"] == [50.0, 75.0]
    expected = "a" if d["roll"] < 50 else ("b" if d["roll"] < 75 else None)
    assert d["variant"] == expected
    # The rolls are the seed's: a replay of the same sequence numbers gives the same outcomes.
    assert [r["roll"] for r in first] == [
        round(draw.roll_for("seed", t["id"], "camp", s), 6) for s in range(1, 201)
    ]
