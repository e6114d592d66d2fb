"""In-market spells: the learnable signal behind the purchase-propensity model.

Besides a lifelong `activity`, each person now and then goes "into the market" for a few weeks:
first they research (browse much more, rarely buy), then they buy (browse more, convert well,
buy on the web store and on the marketplace). Outside a spell they browse as usual and rarely
buy. So recent browsing without purchases foretells the next weeks' purchases, which order
history alone cannot see. Drawn from their own stream, so the rest of the world keeps its draws.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from itertools import accumulate

from .people import Person

OUT, RESEARCH, BUYING = 0, 1, 2  # Person.in_market
MEAN_DAYS_BETWEEN_SPELLS = 100.0
RESEARCH_DAYS = (5, 14)
BUYING_DAYS = (21, 42)
# relative to a person's usual rate, per state
VISITS = (1.0, 8.0, 3.0)  # web sessions
INTENT = (0.2, 0.05, 2.2)  # a web session's chance to reach cart and checkout
MARKETPLACE = (0.05, 0.02, 5.0)  # being the buyer of a marketplace sale
# Active people also convert better: intent scales with the square root of activity, within
# these bounds.
INTENT_RANGE = (0.4, 2.2)


def plan_spells(
    rng: random.Random, people: list[Person], days: int
) -> dict[int, list[tuple[Person, int]]]:
    """For every day, the people whose in-market state changes at its start, and to what."""
    changes: dict[int, list[tuple[Person, int]]] = defaultdict(list)
    longest = RESEARCH_DAYS[1] + BUYING_DAYS[1]
    for person in people:
        # a spell may already be under way on the first day
        day = int(rng.expovariate(1.0 / MEAN_DAYS_BETWEEN_SPELLS)) - longest
        while day < days:
            buying = day + rng.randint(*RESEARCH_DAYS)
            end = buying + rng.randint(*BUYING_DAYS)
            # applied in order, so changes before the first day leave the state it starts in
            for start, state in ((day, RESEARCH), (buying, BUYING), (end, OUT)):
                if start < days:
                    changes[max(start, 0)].append((person, state))
            day = end + 1 + int(rng.expovariate(1.0 / MEAN_DAYS_BETWEEN_SPELLS))
    return changes


def visit_weight(person: Person) -> float:
    """How likely a person is to be the next web visitor, relative to others today."""
    return person.activity * VISITS[person.in_market]


def buy_weight(person: Person) -> float:
    """How likely a person is to be the next marketplace buyer, relative to others today."""
    return person.activity * MARKETPLACE[person.in_market]


def intent(person: Person) -> float:
    """How much likelier than usual a session of this person goes on to cart and checkout."""
    lasting = min(max(person.activity**0.5, INTENT_RANGE[0]), INTENT_RANGE[1])
    return lasting * INTENT[person.in_market]


def cumulative_weights(people: list[Person], weight: Callable[[Person], float]) -> list[float]:
    return list(accumulate(weight(p) for p in people))
