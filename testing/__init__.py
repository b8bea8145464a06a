"""Test doubles that the test suite and the benches share: the fake OpenAI-compatible
server, the scripted model (replies per LLM step), the workshop problem's replies, the
synthesis job's script, TrimR's scripted reasoner and verifier, a local Ray cluster.

Not part of the package (the wheel holds `src/optagent` only), and `bench/` imports these,
never `tests/`. Tests import them as `testing.<module>`; a bench script puts the repository
root on `sys.path` first.
"""
