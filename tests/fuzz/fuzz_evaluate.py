"""Coverage-guided fuzzing of both engines with atheris: random JSON applications.

    pip install atheris
    python tests/fuzz/fuzz_evaluate.py -max_total_time=3600

Each input is read as JSON exactly as the CLI reads it (batch.loads_exact) and
given to every programme on both engines.  Both must return the same result or
raise InvalidApplication with the same errors; anything else is a bug.
"""

import sys
from decimal import Decimal
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from yeji_policy import batch, check, interpreter
    from yeji_policy.pipeline import engine as generated_engine

POLICY, _, _ = check.load(Path(__file__).resolve().parents[2] / "policies" / "yeji_ecommerce.policy")
MODULE = generated_engine(POLICY)


def outcome(evaluate):
    try:
        return ("ok", evaluate())
    except Exception as exc:  # noqa: BLE001
        if type(exc).__name__ != "InvalidApplication":
            raise
        return ("invalid", exc.errors)


FIELDS = sorted({f.name for p in POLICY.programmes for f in p.fields} | {"village", "investment", "built_year"})


def structured(fdp: "atheris.FuzzedDataProvider", depth: int = 0):
    """A JSON-like value shaped by the fuzzer's bytes: mostly the forms' own field names."""
    choice = fdp.ConsumeIntInRange(0, 9 if depth < 3 else 6)
    if choice == 0:
        return None
    if choice == 1:
        return fdp.ConsumeBool()
    if choice == 2:
        return fdp.ConsumeIntInRange(-10**6, 10**16)
    if choice == 3:
        return Decimal(fdp.ConsumeIntInRange(-10**9, 10**12)).scaleb(-fdp.ConsumeIntInRange(0, 4))
    if choice == 4:
        return fdp.ConsumeUnicodeNoSurrogates(12)
    if choice == 5:
        return f"20{fdp.ConsumeIntInRange(0, 99):02d}-{fdp.ConsumeIntInRange(0, 13):02d}-{fdp.ConsumeIntInRange(0, 32):02d}"
    if choice == 6:
        return fdp.PickValueInList(["ecommerce", "other", "B2B", "C2C", "city", "postal", "平岗村", ""])
    if choice == 7:
        return [structured(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 3))]
    return {fdp.PickValueInList(FIELDS): structured(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 8))}


def test_one_input(data: bytes) -> None:
    try:
        application = batch.loads_exact(data.decode("utf-8"))
    except (ValueError, RecursionError):  # malformed JSON: shape a value from the bytes instead
        application = structured(atheris.FuzzedDataProvider(data))
    for pid in POLICY.programme_ids:
        a = outcome(lambda: interpreter.evaluate(POLICY, pid, application))
        b = outcome(lambda: MODULE.evaluate(pid, application))
        assert a == b, (pid, application, a, b)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
