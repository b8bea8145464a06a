"""Whether a program rests on its problem, read without an LLM: the statement's numbers set
against the program's, and the comparisons the program computes but never adds.

- `ignores_problem`: none of the statement's numbers appear (a cheat sheet's example handed
  back), or the skeleton's `<...>` placeholders are still in it.
- `unused_numbers`: numbers of the statement the program never uses. Read over the failed
  runs of the accuracy bench (Qwen2.5-Coder-1.5B, OptiBench and LogiOR), a dropped number
  was the most common fault of a model that ran: a coefficient left out (the 12 and 18 seats
  of "limousines carry 12 and buses 18"), or the constraint that held it never written.
- `dropped_comparison`: a comparison evaluated as a statement, or kept in a name nothing
  reads: the solver never sees it (`m.x + m.y >= 400` on a line of its own).
- `flipped_bound`: "at least N" kept at most N (or the reverse) by every comparison that
  has N alone on one side (211's "at least 1000000 ml", written `250 * cans <= 1000000`).

The last three read a Python program (every target but MiniZinc), parsed once by
`parse_python`; each returns one line for the judge and the coder, or None.
"""

from __future__ import annotations

import ast
import bisect
import re

# A number as people write it: 1,000,000, 2.5, .5 (not the 2 of "x2").
_STATEMENT_NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?![\w])")
# A number literal as programs write it: 1_000, 2.5e3, .5 (not the 1 of "x1" or "c[1]" names).
_CODE_NUMBER = re.compile(r"(?<![\w.])(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SCALE_WORDS = {"%": 0.01, "percent": 0.01, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_SCALE_AFTER = re.compile(r"\s*(%|(?:percent|thousand|million|billion)\b)", re.IGNORECASE)


def _literal(match: re.Match[str]) -> float | None:
    """The number a match of `_STATEMENT_NUMBER` or `_CODE_NUMBER` writes, or None."""
    literal = match.group(0).replace(",", "").replace("_", "")
    try:
        return float(literal) if literal not in ("", ".") else None
    except ValueError:
        return None


def _scale_after(text: str, end: int) -> tuple[float, bool] | None:
    """The factor of a scale word right after a number ("%", "million"), and whether it is a percentage."""
    scale = _SCALE_AFTER.match(text, end)
    if scale is None:
        return None
    word = scale.group(1).lower()
    return _SCALE_WORDS[word], word in ("%", "percent")


def _numbers(pattern: re.Pattern[str], text: str) -> set[float]:
    """The numbers in `text`, each also as it is scaled by a word after it (70% is 0.7 too)."""
    found: set[float] = set()
    for match in pattern.finditer(text):
        value = _literal(match)
        if value is None:
            continue
        found.add(value)
        if scale := _scale_after(text, match.end()):
            found.add(value * scale[0])
    return found - {0.0, 1.0}  # too common to tell anything


def _appears(value: float, among: list[float]) -> bool:
    """`value` is in `among` (sorted), to a relative 1e-9."""
    at = bisect.bisect_left(among, value)
    return any(abs(value - other) <= 1e-9 * (1 + abs(other)) for other in among[max(0, at - 1) : at + 1])


_PLACEHOLDER = re.compile(r"<[^<>\n]{2,60}>")


_COMMENT = re.compile(r"(^|\s)[#%]\s.*$", re.MULTILINE)  # Python and MiniZinc comments
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"' + r"|'(?:[^'\\\n]|\\.)*'")  # one-line string literals


def left_placeholders(code: str, cheat_sheet: str) -> list[str]:
    """The cheat sheet's `<...>` placeholders that a program still holds outside its comments
    and strings (it copied the skeleton; a copied comment line or `Model("<name>")` is
    harmless)."""
    live = _COMMENT.sub(r"\1", _STRING.sub('""', code))
    return sorted({p for p in _PLACEHOLDER.findall(cheat_sheet) if p in live})


def ignores_problem(problem_text: str, code: str, cheat_sheet: str = "") -> str | None:
    """One line when a program is the cheat sheet's skeleton or uses none of the statement's
    numbers, else None. A statement without numbers (only words, or 0 and 1) is not checked
    for them. The line says so when the program's numbers are all the cheat sheet's.
    """
    left = left_placeholders(code, cheat_sheet)
    if left:
        return f"the program still holds the cheat sheet's placeholders {', '.join(left[:4])}: fill each in from this problem"
    stated = _numbers(_STATEMENT_NUMBER, problem_text)
    if not stated or not code.strip():
        return None
    used = sorted(_numbers(_CODE_NUMBER, code))
    if any(_appears(value, used) for value in stated):
        return None
    shown = ", ".join(f"{value:g}" for value in sorted(stated)[:8])
    sheet = sorted(_numbers(_CODE_NUMBER, cheat_sheet))
    copied = bool(used) and all(_appears(value, sheet) for value in used)
    what = "it is the cheat sheet's example, not this problem" if copied else "it ignores the problem"
    return (
        f"{what}: none of the problem's numbers ({shown}) appear in the program. Write the program for "
        "THIS problem: one decision variable per quantity it asks for, its numbers as data."
    )


_LABEL_BEFORE = re.compile(
    r"(?:^|\s)[A-Z][\w-]*\s*$|^\s*$"  # "Product 1", "In 2023", an enumeration's "2."
    r"|\b(?i:type|product|plant|machine|line|model|stage|phase|period|week|day|month|year|quarter|shift"
    r"|route|warehouse|store|factory|site|zone|region|option|project|task|job|item|scenario)\s*$"
)
_WORDS_BEFORE = 4
_WORDS_AFTER = re.compile(r"\S*(?:[ \t]+[^\s|]+){0,2}")  # the unit after a number: "2 h finishing", "20%"
_SHOWN = 6


def _folds(value: float, other: float) -> tuple[float, ...]:
    """What a program may write for two of the statement's numbers folded into one (8 hours
    on 5 days as 40); not their ratio, which too many pairs of numbers happen to have."""
    return (value * other, value + other)


def _stated(problem_text: str) -> list[tuple[float, set[float], str]]:
    """The statement's numbers that are data, each with the values a program may write for it
    (70% is 70, 0.7 or 0.3; 45 minutes is 0.75 hours) and its words; not 0 and 1, labels
    ("Product 2", "In 2023", "day 3"), enumerations ("2. Oil"), or a table row's first cell
    (an item's name or number)."""
    found: dict[float, tuple[float, set[float], str]] = {}
    for line in problem_text.splitlines():
        if line.lstrip().startswith("|"):
            first_cell_end = line.find("|", line.find("|") + 1)
            line = " " * (first_cell_end + 1) + line[first_cell_end + 1 :] if first_cell_end > 0 else line
        for match in _STATEMENT_NUMBER.finditer(line):
            value, before = _literal(match), line[: match.start()]
            if value is None or value in (0.0, 1.0) or value in found or _LABEL_BEFORE.search(before):
                continue
            values = {value, value / 60, value * 60}
            if scale := _scale_after(line, match.end()):
                factor, percent = scale
                values |= {value * factor, 1 - value * factor} if percent else {value * factor}
            start = max(0, len(before) - len(" ".join(before.split()[-_WORDS_BEFORE:])) - 1)
            after = _WORDS_AFTER.match(line, match.end())
            words = line[start : after.end() if after else match.end()].strip().rstrip(",.;:|")
            found[value] = (value, values, words)
    return list(found.values())


def parse_python(code: str) -> ast.Module | None:
    """The program's syntax tree, or None where it is not Python (or too deep to read)."""
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _number(node: ast.AST) -> float | None:
    """A numeric literal's value (its magnitude), else None."""
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
        return None
    try:
        return abs(float(node.value))
    except OverflowError:  # an int literal too large for a float
        return None


_DATA_NODES = (ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop)


def _is_data(node: ast.expr) -> bool:
    """An expression of constants only: a number, a container of them, arithmetic on them."""
    return all(isinstance(n, (*_DATA_NODES, ast.expr_context)) for n in ast.walk(node))


def _read_names(tree: ast.Module) -> set[str]:
    """Every name and attribute the program reads somewhere (`m.cap` reads `cap`)."""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return names | {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)}


def _key(target: ast.AST) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    return target.attr if isinstance(target, ast.Attribute) else None


def _used_numbers(tree: ast.Module) -> set[float]:
    """The numbers a program uses: every numeric literal, the numbers inside its strings (a
    table pasted as text), and the length of every literal container (a count of items is its
    list's length), except the data of a name nothing reads (`m.per_bottle = 1000`, never
    `m.per_bottle`)."""
    read = _read_names(tree)
    unread: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and _is_data(node.value):
            key = _key(node.targets[0])
            if key is not None and key not in read:
                unread |= {id(n) for n in ast.walk(node.value)}
    used: set[float] = set()
    for node in ast.walk(tree):
        if id(node) in unread:
            continue
        if (value := _number(node)) is not None:
            used.add(value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            used |= _numbers(_CODE_NUMBER, node.value)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            used.add(float(len(node.elts)))
        elif isinstance(node, ast.Dict):
            used.add(float(len(node.keys)))
    return used


def unused_numbers(problem_text: str, tree: ast.Module) -> str | None:
    """The statement's numbers the program never uses, quoted with their words, or None. A
    number folded into another (8 hours x 5 days written 40) counts as used."""
    used = sorted(_used_numbers(tree))
    stated = _stated(problem_text)
    missing = []
    for value, values, words in stated:
        if any(_appears(v, used) for v in values):
            continue
        if any(_appears(folded, used) for other, _, _ in stated if other != value for folded in _folds(value, other)):
            continue
        missing.append(words)
    if not missing:
        return None
    quotes = list(dict.fromkeys(missing))
    shown = "; ".join(f'"{words}"' for words in quotes[:_SHOWN]) + ("; ..." if len(quotes) > _SHOWN else "")
    return (
        f"the program never uses {len(missing)} of the problem's numbers ({shown}): each number the problem "
        "gives is data of the model, in a coefficient, a bound or a constraint, unless it plays no part"
    )


def _shown(code: str, node: ast.AST) -> str:
    text = " ".join((ast.get_source_segment(code, node) or "").split())
    return text if len(text) <= 80 else text[:77] + "..."


def _constraint_like(node: ast.Compare) -> bool:
    """An inequality, or an equation with arithmetic in it (not `status == ok`)."""
    if any(isinstance(op, (ast.LtE, ast.GtE, ast.Lt, ast.Gt)) for op in node.ops):
        return True
    return any(isinstance(n, ast.BinOp) for side in (node.left, *node.comparators) for n in ast.walk(side))


def dropped_comparison(tree: ast.Module, code: str) -> str | None:
    """A comparison the program computes as a statement of its own, or keeps in a name
    nothing reads: the solver never sees it."""
    read = _read_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Expr, ast.Assign)) or not isinstance(node.value, ast.Compare):
            continue
        if not _constraint_like(node.value):
            continue
        if isinstance(node, ast.Assign) and any(_key(t) is None or _key(t) in read for t in node.targets):
            continue  # kept for later: `c = x >= 5`, then `m.addCons(c)`
        return (
            f"line {node.lineno} computes `{_shown(code, node)}` and drops it: the solver never sees this "
            "constraint; add it to the model"
        )
    return None


_LOWER = r"at least|a minimum of|minimum of|no less than|no fewer than|not less than"
_UPPER = (
    r"at most|a maximum of|maximum of|no more than|not more than|up to|cannot exceed|can't exceed|not exceed|limited to"
)
_BOUND = re.compile(
    rf"\b(?P<word>{_LOWER}|{_UPPER})\s+\$?(?P<number>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)(?![\d%])",
    re.IGNORECASE,
)
_BOUND_KEYWORDS = {"lb": True, "lowBound": True, "ub": False, "upBound": False}  # keyword -> a lower bound?


def _held_numbers(tree: ast.Module) -> dict[str, float]:
    """Names assigned one number (`need = 1000000`, `m.need = 1000000`)."""
    held: dict[str, float] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and (key := _key(node.targets[0])):
            value = _number(node.value)
            if value is not None:
                held[key] = value
    return held


def _bounds_kept(tree: ast.Module) -> dict[float, list[tuple[bool, ast.AST]]]:
    """Each number that is a bound of the model, with whether it is kept as a lower bound and
    where: a side of a comparison inside a call (`pyo.Constraint(expr=...)`, `addCons(...)`,
    a rule's lambda), of `model += ...` or of a rule's `return`, and a bound argument
    (`lb=`, `bounds=(lo, hi)`). Comparisons in `if` tests and prints of results are not bounds."""
    held = _held_numbers(tree)

    def value(side: ast.AST) -> float | None:
        key = _key(side)
        return _number(side) if key is None else held.get(key)

    kept: dict[float, list[tuple[bool, ast.AST]]] = {}
    holders: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            holders += [*node.args, *(k.value for k in node.keywords)]
            for keyword in node.keywords:
                sides = keyword.value.elts if keyword.arg == "bounds" and isinstance(keyword.value, ast.Tuple) else []
                for lower, side in zip((True, False), sides, strict=False):
                    if (number := value(side)) is not None:
                        kept.setdefault(number, []).append((lower, keyword.value))
                if keyword.arg in _BOUND_KEYWORDS and (number := value(keyword.value)) is not None:
                    kept.setdefault(number, []).append((_BOUND_KEYWORDS[keyword.arg], keyword.value))
        elif isinstance(node, (ast.AugAssign, ast.Return)) and node.value is not None:
            holders.append(node.value)
    compares = {id(n): n for holder in holders for n in ast.walk(holder) if isinstance(n, ast.Compare)}
    for node in compares.values():
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.LtE, ast.Lt, ast.GtE, ast.Gt)):
            continue
        right_is_upper = isinstance(node.ops[0], (ast.LtE, ast.Lt))  # left <= right
        for side, upper in ((node.comparators[0], right_is_upper), (node.left, not right_is_upper)):
            if (number := value(side)) is not None:
                kept.setdefault(number, []).append((not upper, node))
    return kept


def flipped_bound(problem_text: str, tree: ast.Module, code: str) -> str | None:
    """A bound of the statement ("at least N") that every bound of the program holding N
    keeps the other way. A number the statement bounds both ways is not checked."""
    stated: dict[float, list[tuple[bool, str]]] = {}
    for match in _BOUND.finditer(problem_text):
        lower = re.fullmatch(_LOWER, match.group("word"), re.IGNORECASE) is not None
        stated.setdefault(float(match.group("number").replace(",", "")), []).append((lower, match.group(0)))
    kept = _bounds_kept(tree)
    for number, phrases in stated.items():
        if len({lower for lower, _ in phrases}) > 1 or not kept.get(number):
            continue
        lower, phrase = phrases[0]
        if all(kept_lower is not lower for kept_lower, _ in kept[number]):
            where = kept[number][0][1]
            return (
                f'the problem says "{phrase}", but line {getattr(where, "lineno", "?")} keeps it '
                f"{'at most' if lower else 'at least'}: `{_shown(code, where)}`; "
                f"{'at least is >=' if lower else 'at most is <='}"
            )
    return None
