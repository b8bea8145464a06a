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

The two program checks read Python programs (every target but MiniZinc).
"""

from __future__ import annotations

import ast
import re

# A number as people write it: 1,000,000, 2.5, .5 (not the 2 of "x2").
_STATEMENT_NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?![\w])")
# A number literal as programs write it: 1_000, 2.5e3, .5 (not the 1 of "x1" or "c[1]" names).
_CODE_NUMBER = re.compile(r"(?<![\w.])(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SCALE_WORDS = {"%": 0.01, "percent": 0.01, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_SCALE_AFTER = re.compile(r"\s*(%|(?:percent|thousand|million|billion)\b)", re.IGNORECASE)


def _numbers(pattern: re.Pattern[str], text: str) -> set[float]:
    """The numbers in `text`, each also as it is scaled by a word after it (70% is 0.7 too)."""
    found: set[float] = set()
    for match in pattern.finditer(text):
        literal = match.group(0).replace(",", "").replace("_", "")
        if not literal or literal == ".":
            continue
        try:
            value = float(literal)
        except ValueError:
            continue
        found.add(value)
        scale = _SCALE_AFTER.match(text, match.end())
        if scale:
            found.add(value * _SCALE_WORDS[scale.group(1).lower()])
    return found - {0.0, 1.0}  # too common to tell anything


def _appears(value: float, among: set[float]) -> bool:
    return any(abs(value - other) <= 1e-9 * (1 + abs(other)) for other in among)


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
    used = _numbers(_CODE_NUMBER, code)
    if any(_appears(value, used) for value in stated):
        return None
    shown = ", ".join(f"{value:g}" for value in sorted(stated)[:8])
    copied = bool(used) and all(_appears(value, _numbers(_CODE_NUMBER, cheat_sheet)) for value in used)
    what = "it is the cheat sheet's example, not this problem" if copied else "it ignores the problem"
    return (
        f"{what}: none of the problem's numbers ({shown}) appear in the program. Write the program for "
        "THIS problem: one decision variable per quantity it asks for, its numbers as data."
    )


_LABEL_BEFORE = re.compile(r"(?:^|\s)[A-Z][\w-]*\s*$|^\s*$")  # "Product 1", "Machine 2", an enumeration's "2."
_WORDS_BEFORE = 4
_WORDS_AFTER = re.compile(r"(?:[ \t]+[^\s|]+){0,2}")  # the unit after a number: "2 h finishing"
_SHOWN = 6


def _stated(problem_text: str) -> list[tuple[set[float], str]]:
    """The statement's numbers that are data, each with the values a program may write for it
    (70% is 70 or 0.7) and the words before it; not 0 and 1, labels ("Product 2", "In 2023"),
    enumerations ("2. Oil"), or a table row's first cell (an item's name or number)."""
    found: dict[float, tuple[set[float], str]] = {}
    for line in problem_text.splitlines():
        if line.lstrip().startswith("|"):
            first_cell_end = line.find("|", line.find("|") + 1)
            line = " " * (first_cell_end + 1) + line[first_cell_end + 1 :] if first_cell_end > 0 else line
        for match in _STATEMENT_NUMBER.finditer(line):
            literal = match.group(0).replace(",", "")
            if literal in ("", "."):
                continue
            value, before = float(literal), line[: match.start()]
            if value in (0.0, 1.0) or value in found or _LABEL_BEFORE.search(before):
                continue
            values = {value}
            scale = _SCALE_AFTER.match(line, match.end())
            if scale:
                values.add(value * _SCALE_WORDS[scale.group(1).lower()])
            start = max(0, len(before) - len(" ".join(before.split()[-_WORDS_BEFORE:])) - 1)
            after = _WORDS_AFTER.match(line, match.end())
            found[value] = (values, line[start : after.end() if after else match.end()].strip().rstrip(",.;:"))
    return list(found.values())


_DATA_NODES = (ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop)


def _is_data(node: ast.expr) -> bool:
    """An expression of constants only: a number, a container of them, arithmetic on them."""
    return all(isinstance(n, (*_DATA_NODES, ast.expr_context)) for n in ast.walk(node))


def _read_names(tree: ast.Module) -> set[str]:
    """Every name and attribute the program reads somewhere (`m.cap` reads `cap`)."""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return names | {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)}


def _key(target: ast.expr) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    return target.attr if isinstance(target, ast.Attribute) else None


def _used_numbers(tree: ast.Module) -> set[float]:
    """The numbers a program uses: every numeric literal, and the length of every literal
    container (a count of items is its list's length), except the data of a name nothing
    reads (`m.per_bottle = 1000` and never `m.per_bottle`)."""
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
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            used.add(abs(float(node.value)))
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            used.add(float(len(node.elts)))
        elif isinstance(node, ast.Dict):
            used.add(float(len(node.keys)))
    return used


def _parsed(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def unused_numbers(problem_text: str, code: str) -> str | None:
    """One line naming the statement's numbers a Python program never uses, or None."""
    tree = _parsed(code)
    if tree is None:
        return None
    used = _used_numbers(tree)
    missing = [words for values, words in _stated(problem_text) if not any(_appears(v, used) for v in values)]
    if not missing:
        return None
    shown = "; ".join(f'"{words}"' for words in missing[:_SHOWN]) + ("; ..." if len(missing) > _SHOWN else "")
    return (
        f"the program never uses {len(missing)} of the problem's numbers ({shown}): each number the problem "
        "gives is data of the model, in a coefficient, a bound or a constraint, unless it plays no part"
    )


def dropped_comparison(code: str) -> str | None:
    """One line on a comparison a Python program computes and drops, or None."""
    tree = _parsed(code)
    if tree is None:
        return None
    read = _read_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Expr, ast.Assign)) or not isinstance(node.value, ast.Compare):
            continue
        if isinstance(node, ast.Assign) and any(_key(t) is None or _key(t) in read for t in node.targets):
            continue  # kept for later: `c = x >= 5`, then `m.addCons(c)`
        shown = (ast.get_source_segment(code, node) or "").strip()
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        return (
            f"line {node.lineno} computes `{shown}` and drops it: the solver never sees this constraint; "
            "add it to the model"
        )
    return None


_LOWER = r"at least|a minimum of|minimum of|no less than|no fewer than|not less than"
_UPPER = (
    r"at most|a maximum of|maximum of|no more than|not more than|up to|cannot exceed|can't exceed|not exceed|limited to"
)
_BOUND = re.compile(
    rf"\b(?P<word>{_LOWER}|{_UPPER})\s+\$?(?P<number>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)(?![\d%])", re.IGNORECASE
)


def _side_value(node: ast.expr, named: dict[str, float]) -> float | None:
    """The number one side of a comparison is: a literal, or a name holding one."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    key = _key(node)
    return named.get(key) if key is not None else None


def _held_numbers(tree: ast.Module) -> dict[str, float]:
    """Names assigned one number (`need = 1000000`, `m.need = 1000000`)."""
    held: dict[str, float] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and (key := _key(node.targets[0])):
            value = _side_value(node.value, {})
            if value is not None:
                held[key] = value
    return held


def flipped_bound(problem_text: str, code: str) -> str | None:
    """One line on a bound of the statement ("at least N") that every comparison of a Python
    program with N alone on one side keeps the other way, or None."""
    tree = _parsed(code)
    if tree is None:
        return None
    held = _held_numbers(tree)
    kept: dict[float, list[tuple[bool, ast.Compare]]] = {}  # N -> (kept as a lower bound?, where)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare) or len(node.ops) != 1:
            continue
        op, left, right = node.ops[0], node.left, node.comparators[0]
        if not isinstance(op, (ast.LtE, ast.Lt, ast.GtE, ast.Gt)):
            continue
        at_most_right = isinstance(op, (ast.LtE, ast.Lt))  # left <= right: right is an upper bound
        for side, upper in ((right, at_most_right), (left, not at_most_right)):
            value = _side_value(side, held)
            if value is not None:
                kept.setdefault(value, []).append((not upper, node))
    for match in _BOUND.finditer(problem_text):
        value = float(match.group("number").replace(",", ""))
        lower = re.fullmatch(_LOWER, match.group("word"), re.IGNORECASE) is not None
        uses = kept.get(value, [])
        if uses and all(kept_lower is not lower for kept_lower, _ in uses):
            where = uses[0][1]
            shown = (ast.get_source_segment(code, where) or "").strip()
            return (
                f'the problem says "{match.group(0)}", but line {where.lineno} keeps it {"at most" if lower else "at least"}: '
                f"`{shown[:80]}`; {'at least is >=' if lower else 'at most is <='}"
            )
    return None
