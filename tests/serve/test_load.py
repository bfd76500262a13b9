"""A bounded load test on loopback: 50 uploads from 4 concurrent clients against the live server."""

from __future__ import annotations

import concurrent.futures
import json
import os
import statistics
import time

import httpx
from serve_helpers import ARTIFACTS

CLIENTS = 4
WARM_UP = 10
TOTAL = 50
MAX_RSS_GROWTH = 50 * 2**20


def upload_many(url: str, data: bytes, count: int) -> list[tuple[int, int, float]]:
    """`count` uploads spread over CLIENTS threads, each with its own connection pool.

    Returns:
        (status, faces found, seconds) per upload.
    """
    def client_loop(n):
        outcomes = []
        with httpx.Client(base_url=url, timeout=60) as client:
            for _ in range(n):
                start = time.perf_counter()
                response = client.post("/api/cartoonize", files={"image": ("astronaut.png", data, "image/png")})
                faces = len(response.json().get("faces", [])) if response.status_code == 200 else 0
                if response.status_code == 200:  # fetch one result too, as the page does
                    faces *= client.get(response.json()["pasted"]).status_code == 200
                outcomes.append((response.status_code, faces, time.perf_counter() - start))
        return outcomes

    shares = [count // CLIENTS + (i < count % CLIENTS) for i in range(CLIENTS)]
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        return [o for outcomes in pool.map(client_loop, shares) for o in outcomes]


def test_fifty_uploads_from_four_clients(live_server, sample_bytes):
    warm = upload_many(live_server.url, sample_bytes, WARM_UP)
    rss_warm = live_server.rss_bytes()
    rest = upload_many(live_server.url, sample_bytes, TOTAL - WARM_UP)
    rss_end = live_server.rss_bytes()

    outcomes = warm + rest
    failed = [(status, faces) for status, faces, _ in outcomes if status != 200 or faces != 1]
    latencies = sorted(seconds for _, _, seconds in outcomes)
    report = {"uploads": len(outcomes), "clients": CLIENTS, "failed": len(failed),
              "median_s": round(statistics.median(latencies), 3), "max_s": round(latencies[-1], 3),
              "rss_after_warm_up_mb": round(rss_warm / 2**20, 1), "rss_end_mb": round(rss_end / 2**20, 1)}
    os.makedirs(ARTIFACTS, exist_ok=True)
    with open(os.path.join(ARTIFACTS, "serve_load_test.json"), "w") as f:
        json.dump(report, f, indent=2)
    print(report)

    assert len(outcomes) == TOTAL and not failed, failed[:5]
    assert rss_end - rss_warm < MAX_RSS_GROWTH, report
    health = httpx.get(live_server.url + "healthz", timeout=10).json()
    assert (health["running"], health["waiting"]) == (0, 0)
    assert health["results_kept"] == 8  # --keep-results 8: older results were dropped, memory stays bounded
