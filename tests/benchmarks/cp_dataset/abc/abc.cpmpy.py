#!/usr/bin/python3
# Category: test_examples
"""
Find three distinct digits a < b < c with a + b + c == 12 and a * c == 8.

Print the digits (a, b, c).
"""

# Import libraries
import json

from cpmpy import *

a = intvar(0, 9, name="a")
b = intvar(0, 9, name="b")
c = intvar(0, 9, name="c")
model = Model([a < b, b < c, a + b + c == 12, a * c == 8])
model.solve()
solution = {"a": a.value(), "b": b.value(), "c": c.value()}
print(json.dumps(solution))
# End of CPMPy script
