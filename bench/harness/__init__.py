"""bench/run's modules: servers under test, load with wrk, process figures, report."""
