#!/usr/bin/python3
# Category: test_examples
"""
Choose items with weights 3, 4, 5 and values 4, 5, 6 under capacity 8 to maximize value.

Print the choice (take) as a list of 0/1 and the total value (value).
"""

# Data
weights = [3, 4, 5]
values = [4, 5, 6]
capacity = 8
# End of data

# Import libraries
import json

from cpmpy import *

take = boolvar(shape=3, name="take")
total = sum(take * values)
model = Model(sum(take * weights) <= capacity)
model.maximize(total)
model.solve()
solution = {"take": take.value().tolist(), "value": int(total.value())}
print(json.dumps(solution))
# End of CPMPy script
