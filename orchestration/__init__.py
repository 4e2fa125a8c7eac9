"""The Dagster code location (wiring) and, in ``analytics``, the pure computations it runs."""

import warnings

# Single-run backfill policies on unpartitioned assets are what lets `dagster asset materialize --partition-range`
# run a whole refresh in one run; Dagster flags the parameter as beta on every import. Say it once, here.
warnings.filterwarnings("ignore", message=r".*backfill_policy.*beta.*")
