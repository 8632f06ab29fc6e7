"""Statistics: windows, returns, normal-return models, the vectorized engine, the test battery and
the Python API (:class:`~eventstudy.stats.study.EventStudy`). Never imports :mod:`eventstudy.data`."""
