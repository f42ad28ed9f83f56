"""Runs verifications on request, in a process of its own: ``bench.verify_latency``'s hands.

The checks run here, not in the benchmark's process, so they share their interpreter (and its
GIL) with nothing but themselves, as in the app, while the delay proxy runs in the benchmark;
and so a baseline commit's ``wizard`` can be measured through the same proxy in the same run
(see ``bench.baseline``). Only the API every version has is used: ``load_provider`` and
the checks (``wizard.pipeline``).

    python -m bench.check_worker PROVIDER_XML CA_PEM

Reads one JSON request per line on stdin (``mode``, ``user``, ``password``, ``only``) and
answers each with one JSON line on stdout: the wall time of the checks and every result's
service, verdict (and when it was in) and step times. The password is the test fixture's and
travels on the pipe.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.tuned_run import run_logins_any
from wizard.provider import load_provider
from wizard.services import Service


def _result(r: Any, offset: float) -> dict[str, Any]:
    return {
        # When its verdict was in, on the proxy's clock (time.monotonic is system-wide).
        "verdict_at": r.finished_at.timestamp() - offset,
        "service": r.service.value,
        "ok": r.ok,
        "cause": str(r.cause) if r.cause else None,
        "message": r.message,
        "duration_ms": r.duration_ms,
        "steps": [[s.name.value, s.duration_ms] for s in r.steps],
    }


def main(argv: list[str]) -> int:
    provider = load_provider(Path(argv[0]))
    ca = Path(argv[1])
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        only = [Service(s) for s in req["only"]]
        t0 = time.perf_counter()
        results = run_logins_any(
            provider,
            req["user"],
            req["password"],
            ca_file=ca,
            only=only,
            sequential=req["mode"] == "sequential",
        )
        total = (time.perf_counter() - t0) * 1000
        offset = time.time() - time.monotonic()
        answer = {"total_ms": total, "results": [_result(r, offset) for r in results]}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
