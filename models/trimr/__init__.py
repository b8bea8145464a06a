"""TrimR: verifier-based, training-free thinking compression for reasoning models.

The reasoning stream is split into thoughts; a small verifier model judges each one with
two Yes/No questions read from one token's logprobs; the thinking is cut on overthinking,
underthinking or a loop, and the answer is continued from the kept thinking.
"""

from optagent.models.trimr.rules import Rule
from optagent.models.trimr.settings import TrimRSettings
from optagent.models.trimr.stats import TrimRStats

__all__ = ["Rule", "TrimRSettings", "TrimRStats"]
