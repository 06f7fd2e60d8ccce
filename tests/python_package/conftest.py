"""Values as the package's users have them: the lecture's own `Value` (right, and with the
lecture notes' bugs) and micrograd 0.1.0's."""

import os
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "python"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "fixtures", "python"))


# A learner's own Value (right gradients), from the fixtures the CLI's tests use too.
from learner_value import Value as LectureValue  # noqa: E402


def lecture_neuron(Value):
    """The lecture's neuron; returns (o, leaves by label)."""
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}


@pytest.fixture
def neuron():
    o, leaves = lecture_neuron(LectureValue)
    o.backward()
    return o, leaves
