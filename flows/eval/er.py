"""Entity resolution scored against the generator's ground truth, over pairs of identifiers.

The warehouse's answer is `marts.dim_customer_identifiers` (customer_key, identifier_type,
normalized identifier_value); the truth is `ground_truth/identities.csv` (identifier_type,
identifier_value as written in the files, person_id; junk placeholders have no person). Truth
values are normalized here with the same rules as the dbt macros `normalize_email_identity` and
`normalize_phone`, so the several spellings of one email become one node, as in the warehouse.

Scored identifiers: the normalized, non-junk truth identifiers that the warehouse lists. Over
them, a pair of identifiers is *placed together* when both have one customer_key and *truly
together* when both belong to one person:

    precision = pairs placed together that are truly together / pairs placed together
    recall    = pairs placed together that are truly together / pairs truly together

Truth identifiers the warehouse does not list (browsers that never identified themselves are
no identity: see int_identifiers_observed) are counted in `identifiers_missing` and scored in
`recall_all_truth`, which treats them as singletons. A count of zero pairs scores 1.0.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flows.engine import ShoplogError, Target, connect

IDENTITIES_FILE = "identities.csv"
ID_TYPES = ("shopify_customer_id", "braintree_customer_id", "anonymous_id")
_GMAIL = "@gmail.com"
_GOOGLEMAIL = "@googlemail.com"

Node = tuple[str, str]  # (identifier_type, normalized identifier_value)


def normalize_email(value: str) -> str | None:
    """The dbt macro normalize_email_identity in Python (trim spaces, lower-case, fold gmail)."""
    email = value.strip(" ").lower()
    if not email:
        return None
    for domain in (_GMAIL, _GOOGLEMAIL):
        if email.endswith(domain):
            local = email[: -len(domain)].split("+", 1)[0].replace(".", "")
            return local + _GMAIL
    return email


def normalize_phone(value: str) -> str | None:
    """The dbt macro normalize_phone in Python (digits only, 10 digits get a leading 1)."""
    digits = "".join(ch for ch in value if "0" <= ch <= "9")
    if len(digits) == 10:
        return "1" + digits
    return digits or None


def normalize_identifier(identifier_type: str, value: str) -> str | None:
    """The dbt macro normalize_identifier in Python; None for an empty value or unknown type."""
    if identifier_type == "email":
        return normalize_email(value)
    if identifier_type == "phone":
        return normalize_phone(value)
    if identifier_type in ID_TYPES:
        return value.strip(" ") or None
    return None


def evaluate_entity_resolution(target: Target, truth_dir: Path) -> dict[str, Any]:
    """Pairwise precision and recall of the warehouse's customers against the ground truth.

    truth_dir is the generator's `ground_truth/` folder (or the folder holding it). Reads
    marts.dim_customer_identifiers through a read-only connection.
    """
    truth_path = _identities_path(Path(truth_dir))
    truth, junk, ambiguous = read_truth(truth_path)
    resolved = read_customer_identifiers(target)
    return score(resolved, truth, junk, ambiguous)


def read_truth(path: Path) -> tuple[dict[Node, str], set[Node], set[Node]]:
    """Normalized truth: node -> person, junk nodes, and nodes claimed by two persons."""
    truth: dict[Node, str] = {}
    junk: set[Node] = set()
    ambiguous: set[Node] = set()
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            kind = row["identifier_type"]
            value = normalize_identifier(kind, row["identifier_value"])
            if value is None:
                continue
            node = (kind, value)
            person = row["person_id"]
            if not person:
                junk.add(node)
            elif truth.setdefault(node, person) != person:
                ambiguous.add(node)
    for node in junk | ambiguous:
        truth.pop(node, None)
    return truth, junk, ambiguous


def read_customer_identifiers(target: Target) -> dict[Node, str]:
    """node -> customer_key from marts.dim_customer_identifiers."""
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        try:
            cur.execute(
                "select identifier_type, identifier_value, customer_key "
                "from marts.dim_customer_identifiers"
            )
        except Exception as exc:  # the driver's own error types differ per engine
            raise ShoplogError(
                "cannot read marts.dim_customer_identifiers: run `shoplog build` first"
            ) from exc
        return {(kind, value): key for kind, value, key in cur.fetchall()}
    finally:
        conn.close()


def score(
    resolved: dict[Node, str],
    truth: dict[Node, str],
    junk: set[Node] | None = None,
    ambiguous: set[Node] | None = None,
) -> dict[str, Any]:
    """Pairwise scores of node -> customer against node -> person (see the module docstring)."""
    junk = junk or set()
    scored = [node for node in truth if node in resolved]
    together = Counter((resolved[node], truth[node]) for node in scored)
    correct = _pairs(together.values())
    placed = _pairs(Counter(resolved[node] for node in scored).values())
    true_scored = _pairs(Counter(truth[node] for node in scored).values())
    true_all = _pairs(Counter(truth.values()).values())
    return {
        "precision": _ratio(correct, placed),
        "recall": _ratio(correct, true_scored),
        "recall_all_truth": _ratio(correct, true_all),
        "pairs_placed_together": placed,
        "pairs_truly_together": true_scored,
        "pairs_correct": correct,
        "customers": len(set(resolved.values())),
        "persons": len(set(truth.values())),
        "identifiers_scored": len(scored),
        "identifiers_in_truth": len(truth),
        "identifiers_missing": len(truth) - len(scored),
        "identifiers_unknown": sum(1 for n in resolved if n not in truth and n not in junk),
        "junk_identifiers": len(junk),
        "junk_resolved": sum(1 for node in junk if node in resolved),
        "ambiguous_identifiers": len(ambiguous or ()),
    }


def _pairs(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 1.0


def _identities_path(truth_dir: Path) -> Path:
    for candidate in (truth_dir / IDENTITIES_FILE, truth_dir / "ground_truth" / IDENTITIES_FILE):
        if candidate.is_file():
            return candidate
    raise ShoplogError(f"no {IDENTITIES_FILE} in {truth_dir} or {truth_dir / 'ground_truth'}")
