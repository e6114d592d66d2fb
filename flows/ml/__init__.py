"""The purchase-propensity model's steps: dataset snapshots, training, evaluation, the registry
in the warehouse, batch scoring and the HTML report. Plain functions; the `retrain` flow
(flows/retrain_flow.py) composes them."""
