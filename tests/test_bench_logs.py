"""Smoke test of bench/logs.py's generator at a small size: its lines are shapes the reader
knows (none skipped), and they tell every story the benchmark is meant to exercise."""

from __future__ import annotations

from bench.logs import TARGET, generate
from wizard.logs import Filters, Outcome, Stats, read_sessions


def test_generated_log_is_all_known_shapes_with_every_outcome(tmp_path):
    log = tmp_path / "app.log"
    lines = generate(log, 2, users=300)
    assert 2_000_000 <= log.stat().st_size < 2_500_000 and lines > 10_000

    stats = Stats()
    everything = list(read_sessions([str(log)], Filters(), stats=stats))
    assert stats.skipped_lines == 0 and stats.lines_read == lines
    outcomes = {s.outcome for s in everything}
    assert outcomes >= {
        Outcome.LOGIN_OK,
        Outcome.LOGIN_FAILED,
        Outcome.DELIVERED,
        Outcome.DEFERRED,
        Outcome.BOUNCED,
        Outcome.BLOCKLISTED,
        Outcome.MESSAGE_ACCEPTED,
    }

    f = Filters(address=TARGET)
    mine = list(read_sessions([str(log)], f))
    assert mine and all(TARGET.split("@")[0] in " ".join(s.lines) for s in mine)
    assert len(mine) == sum(1 for s in everything if f.matches(s))
