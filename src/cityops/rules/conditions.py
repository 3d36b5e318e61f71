"""A condition definition compiled into its tree of evaluators, each with its state slot."""

from __future__ import annotations

from cityops.rules import definition as d
from cityops.rules.basic import CombinationNode, NoDataNode, ThresholdNode
from cityops.rules.graded import BandsNode, WaterQualityNode
from cityops.rules.nodes import Node
from cityops.rules.timed import RateNode, SustainedNode


def compile_condition(cond: d.Condition, nodes: list[Node]) -> Node:
    """Build the evaluator tree; `nodes` collects every node in slot order."""
    node: Node
    match cond:
        case d.Threshold():
            node = ThresholdNode(cond)
        case d.Bands():
            node = BandsNode(cond)
        case d.WaterQuality():
            node = WaterQualityNode(cond)
        case d.Rate():
            node = RateNode(cond)
        case d.NoData():
            node = NoDataNode(cond)
        case d.Sustained():
            node = SustainedNode(cond, compile_condition(cond.condition, nodes))
        case d.AllOf() | d.AnyOf():
            children = [compile_condition(c, nodes) for c in cond.conditions]
            node = CombinationNode(children, every=isinstance(cond, d.AllOf))
    node.slot = len(nodes)
    nodes.append(node)
    return node
