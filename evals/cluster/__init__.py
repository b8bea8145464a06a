"""Solver runs on a Ray cluster: `--ray ADDRESS` on `optagent eval` and `optagent synth`.

The driver (the command's own process) keeps everything it has today: the agent and its
model calls (network I/O, thousands in flight on one event loop), scoring, the run log and
its single writer, resume. What it hands out is the CPU-heavy part: every program run.
`ClusterSandbox` has the `Sandbox` interface; behind it, one Ray actor per node owns a
started `Sandbox` sized to that node's CPUs, with its isolation unchanged, and each run goes
to the node with the most free slots. A node that dies takes only the runs it had in flight,
and those run again on another node: the sample they belong to is committed once, by the
driver. Ray is imported only here, and only when `--ray` is given.

    connect.py  joining or starting the cluster, the live nodes, one line per failure
    node.py     the per-node actor around a Sandbox
    pool.py     ClusterSandbox: slots per node, dispatch, a dead node's runs sent elsewhere
"""

from optagent.evals.cluster.pool import ClusterSandbox

__all__ = ["ClusterSandbox"]
