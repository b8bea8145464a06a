"""The chat's defaults: its strategy, and the example problem it offers (on the empty page,
and in its off-topic reply).

The strategy is one that writes a five-element formulation, since the chat shows the model
in mathematical notation and names each variable by the formulation's meaning.

The example shares no number with any prompt or cheat sheet under `prompts/` (a test greps them),
so a model that copies a cheat sheet's example cannot look right on it. Optimum: 31 lamps
and 19 stools, profit $1,698 (welding and painting both used up); with at most 16 stools
it is 33 lamps and 16 stools, $1,685 (33.125 lamps if counts were not whole).
"""

CHAT_STRATEGY = "five-element"
EXAMPLE = (
    "A studio makes lamps ($37 profit each) and stools ($29 each). A lamp takes 16 min of welding and "
    "24 min of painting, a stool 22 min and 17 min. There are 914 welding and 1,067 painting minutes "
    "a week, and at most 43 stools sell. How many of each should it make?"
)
EXAMPLE_CHANGE = "What if at most 16 stools sell?"
