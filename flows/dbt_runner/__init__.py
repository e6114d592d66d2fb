"""Run one dbt command in its own subprocess and summarise what it did, node by node."""

from flows.dbt_runner.results import DbtResult, NodeResult, read_run_results
from flows.dbt_runner.runner import default_target_path, run_dbt

__all__ = ["DbtResult", "NodeResult", "default_target_path", "read_run_results", "run_dbt"]
