"""Account managers assigned automatically, as an optimisation (issue 5).

A pure library (numpy, pyarrow, scipy, OR-Tools; no database): give it the customers
who need a manager and the managers who can take them, get back who serves whom,
why, and how good that is against a proven bound. See ``docs/assignment.md``.

    from weixi.analytics.assignment import Customers, Managers, assign_managers
    result = assign_managers(Customers.from_arrow(c), Managers.from_arrow(m))
    result.assignments  # customer_id, previous_manager_id, manager_id, changed, reason…
"""

from weixi.analytics.assignment.explain import Reason
from weixi.analytics.assignment.flow import SolverFailed
from weixi.analytics.assignment.greedy import greedy_assign
from weixi.analytics.assignment.model import SCALE, Objective, Problem, evaluate, prepare
from weixi.analytics.assignment.result import AssignmentResult, AssignmentSummary, SolveStats
from weixi.analytics.assignment.solver import assign_managers
from weixi.analytics.assignment.tables import (
    CUSTOMER_COLUMNS,
    MANAGER_COLUMNS,
    NO_MANAGER,
    Customers,
    Managers,
)
from weixi.analytics.assignment.weights import AssignmentWeights, load_weights

__all__ = [
    "CUSTOMER_COLUMNS",
    "MANAGER_COLUMNS",
    "NO_MANAGER",
    "SCALE",
    "AssignmentResult",
    "AssignmentSummary",
    "AssignmentWeights",
    "Customers",
    "Managers",
    "Objective",
    "Problem",
    "Reason",
    "SolveStats",
    "SolverFailed",
    "assign_managers",
    "evaluate",
    "greedy_assign",
    "load_weights",
    "prepare",
]
