"""shoplog: the Python package - CLI, Prefect flows, and the steps they compose."""
