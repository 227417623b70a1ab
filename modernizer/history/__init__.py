"""The weekly job's memory: every recorded run in an embedded SQLite file, the trend computed from
it, and the folder on a runner that keeps it (with the last complete run's report, next run's baseline).

``model`` is pure data (the report carries a ``Trend``); ``trend`` is pure functions from reports and
recorded runs; ``store`` is the SQLite file's I/O; ``folder`` is the state folder's I/O (paths,
the baseline kept there, the checks made before a long run)."""
