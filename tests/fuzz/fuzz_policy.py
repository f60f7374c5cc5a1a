"""Coverage-guided fuzzing of the front end (parser and checker) with atheris.

    pip install atheris
    mkdir -p /tmp/corpus && cp policies/*.policy tests/fixtures/*.policy /tmp/corpus/
    python tests/fuzz/fuzz_policy.py -max_total_time=3600 /tmp/corpus

Any input must give a policy or diagnostics; an exception is a bug.  libFuzzer
adds new inputs to the corpus directory, so seed a scratch copy, never policies/.
"""

import sys

import atheris

with atheris.instrument_imports():
    from yeji_policy import check
    from yeji_policy.diagnostics import render


def test_one_input(data: bytes) -> None:
    text, diagnostics = check.decode(data)
    if text is None:
        assert diagnostics and diagnostics[0].code == "E0001"
        return
    policy, diagnostics = check.check_source(text, "fuzz.policy")
    for d in diagnostics:
        render(d, "fuzz.policy", text)
    assert policy is not None or any(d.is_error for d in diagnostics)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
