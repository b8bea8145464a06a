"""Near-duplicate removal: MinHash signatures of word 3-grams in a locality-sensitive index.

Why MinHash LSH (`datasketch`): the job compares every new scenario against everything
kept so far, and that set grows to 10,000 and beyond. A pairwise comparison (difflib, or
character n-gram vectors with cosine similarity) costs time linear in the kept set for
each query, so the whole job is quadratic; an LSH index answers in time that does not grow
with the set (a few band lookups), and a signature is 128 integers, so 10,000 scenarios
take about 10 MB. `datasketch` is the standard, maintained implementation, pure Python
over NumPy, with deletion (a candidate rejected later frees its place). Candidates the
index returns are confirmed with the estimated Jaccard similarity, so the threshold is
applied as stated, not only as the index's probabilistic band cut.

Shingles are word 3-grams of the lowercased text, numbers included: a scenario that only
changes a few words or numbers of another shares most of its 3-grams (changing 10 numbers
in a 100-word story leaves a similarity near 0.5), while two different stories share
almost none.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash

DEFAULT_THRESHOLD = 0.5
NUM_PERM = 128
# The index's bands are tuned to miss few true pairs (false negatives weigh 0.95): at the
# default threshold a pair exactly at 0.5 is missed about 3% of the time, one at 0.55 under
# 1%, where datasketch's even weighting misses 45% and 27%. The extra candidates it returns
# cost one signature comparison each and are cut by the confirmation.
LSH_WEIGHTS = (0.05, 0.95)
_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 3) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + n]).encode() for i in range(len(words) - n + 1)}


class NearDuplicateIndex:
    """Texts by key; `match(text)` names a held text at least `threshold` similar (Jaccard)."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = NUM_PERM) -> None:
        from datasketch import MinHash, MinHashLSH

        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold {threshold} is not between 0 and 1")
        self.threshold = threshold
        self._num_perm = num_perm
        template = MinHash(num_perm=num_perm)
        self._permutations, self._scheme = template.permutations, template.scheme
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=LSH_WEIGHTS)
        self._signatures: dict[str, MinHash] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, key: str) -> bool:
        return key in self._signatures

    def signature(self, text: str) -> MinHash:
        from datasketch import MinHash

        signature = MinHash(num_perm=self._num_perm, permutations=self._permutations, scheme=self._scheme)
        signature.update_batch(list(shingles(text)))
        return signature

    def match(self, text: str, signature: MinHash | None = None, family: str | None = None) -> tuple[str, float] | None:
        """The most similar held text at or above the threshold, with its similarity; texts of
        `family` (a key and its prefixes, `KEY-p3`, ...) are not counted."""
        signature = signature or self.signature(text)
        best: tuple[str, float] | None = None
        for key in self._lsh.query(signature):
            if family is not None and (key == family or key.startswith(f"{family}-p")):
                continue
            similarity = signature.jaccard(self._signatures[key])
            if similarity >= self.threshold and (best is None or similarity > best[1]):
                best = (key, similarity)
        return best

    def add(self, key: str, text: str, signature: MinHash | None = None) -> None:
        if key in self._signatures:
            return
        signature = signature or self.signature(text)
        self._lsh.insert(key, signature)
        self._signatures[key] = signature

    def claim(self, key: str, text: str, family: str | None = None) -> tuple[str, float] | None:
        """Add `text` unless it nearly duplicates a held one (outside `family`); that one is returned instead."""
        signature = self.signature(text)
        found = self.match(text, signature, family)
        if found is None:
            self.add(key, text, signature)
        return found

    def remove(self, key: str) -> None:
        if self._signatures.pop(key, None) is not None:
            self._lsh.remove(key)

    def remove_family(self, key: str) -> None:
        """The key and every prefix of it (`KEY-p3`, ...)."""
        for held in [k for k in self._signatures if k == key or k.startswith(f"{key}-p")]:
            self.remove(held)
