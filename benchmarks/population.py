"""Seeded populations of valid applications, built from a programme's form.

Deterministic for a given seed, so every benchmark run measures the same work.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal


def _value(spec: dict, rng: random.Random):
    kind = spec["kind"]
    if kind == "money":
        return Decimal(rng.randrange(0, 2_000_000_00)) / 100
    if kind == "number":
        if spec.get("step"):
            step = Decimal(spec["step"])
            low = Decimal(spec.get("minimum") or "0")
            return low + step * rng.randrange(0, 8)
        return Decimal(rng.randrange(0, 500_00)) / 100
    if kind == "int":
        return rng.choice([rng.randrange(0, 60), rng.randrange(2015, 2020)])
    if kind == "bool":
        return rng.random() < 0.8
    if kind == "date":
        return (datetime.date(2017, 1, 1) + datetime.timedelta(days=rng.randrange(0, 5 * 365))).isoformat()
    if kind == "text":
        return rng.choice(["平岗村", "三元村", "孙岗村", "姚李村"])
    if kind == "enum":
        return rng.choice(spec["options"])[0]
    return [application(spec["items"], rng) for _ in range(rng.randrange(1, 6))]


def application(specs: list[dict], rng: random.Random) -> dict:
    app = {spec["name"]: _value(spec, rng) for spec in specs}
    # Keep date ranges ordered so the application is valid.
    if "claim_from" in app and "claim_to" in app and app["claim_to"] < app["claim_from"]:
        app["claim_from"], app["claim_to"] = app["claim_to"], app["claim_from"]
    return app


def population(programmes: dict, programme: str, size: int, seed: int = 2017) -> list[dict]:
    return list(stream(programmes, programme, size, seed))


def stream(programmes: dict, programme: str, size: int, seed: int = 2017):
    """population(), one application at a time (a million never held at once)."""
    rng = random.Random(f"{seed}:{programme}")
    specs = programmes[programme]["inputs"]
    for _ in range(size):
        yield application(specs, rng)


def mixed(programmes: dict, size: int, seed: int = 2017):
    """(programme, application) pairs across every programme, round robin."""
    rng = random.Random(seed)
    ids = sorted(programmes)
    for index in range(size):
        pid = ids[index % len(ids)]
        yield pid, application(programmes[pid]["inputs"], rng)
