"""The printed-JSON rule: last JSON-object line, else first `{` to last `}` (CP-Bench)."""

from optagent.solvers.sandbox import parse_printed_json


def test_printed_json_rules():
    assert parse_printed_json('log\n{"a": 1}\nnoise {"b": 2}\n') == {"a": 1}
    assert parse_printed_json('result:\n{\n  "x": [1, 2],\n  "y": 3\n}\ndone\n') == {"x": [1, 2], "y": 3}
    assert parse_printed_json("no json here") is None
    assert parse_printed_json("[1, 2]") is None
