"""Data-quality suites and SLAs: Great Expectations 1.x over the warehouse, a pass/fail gate.

`run_quality(target)` validates the raw batches, the key marts and the SLAs declared in
quality/slas.yml, appends one row per expectation to audit.dq_results and writes Data Docs to
data/quality/docs/. `gate_passed(target)` answers from that history for the retrain job.
"""

from flows.quality.history import gate_passed, read_results, run_ids
from flows.quality.report import Outcome, QualityReport
from flows.quality.run import docs_dir, run_quality
from flows.quality.slas import Slas, default_sla_path, load_slas

__all__ = [
    "Outcome",
    "QualityReport",
    "Slas",
    "default_sla_path",
    "docs_dir",
    "gate_passed",
    "load_slas",
    "read_results",
    "run_ids",
    "run_quality",
]
