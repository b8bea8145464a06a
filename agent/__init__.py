"""The modeling agent: a LangGraph graph from problem text to a verified solution, and the model layer."""
