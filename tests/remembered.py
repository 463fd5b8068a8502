"""The learned model's training rows (`forecast.training.training_rows`), remembered while
the book they are read from cannot have changed (issue 14: the suite's time).

The rows are a few CPU seconds on the 200-account demo book (a point-in-time health score
of the whole book for each week of closed renewals), and several tests compute exactly the
same ones again: `renewals model evaluate` right after `renewals model train`, the same
read-only command in each language (`cli_languages.said_in_each_language`), a model
trained again on an unchanged copy of the same generated book (tests/forecast/
test_learned.py). `TrainingRows` stands in for `training.training_rows` (`using()`) and
computes each window's rows once: every caller still fits, evaluates, stores and prints
with the rows as they are. The model commands write only the model store (model_run rows
and model files), which the rows never read; anything else that writes must `forget()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class TrainingRows:
    """`training.training_rows`, remembered per database (or per `book`: any unchanged copy
    of that generated book on the same kind of database), policy and window."""

    def __init__(self, book: str | None = None) -> None:
        from renewals.forecast import training

        self.compute = training.training_rows
        self.book = book
        self.rows: dict[tuple[object, ...], list[Any]] = {}
        self.computed = 0

    def _key(self, session: Any, policy: Any, kwargs: dict[str, Any]) -> tuple[object, ...]:
        bind = session.get_bind()
        # A copy of `book` has the same rows whatever its database or data directory is called.
        where: tuple[object, ...] = (
            (self.book, bind.dialect.name)
            if self.book is not None
            else (str(bind.url), str(kwargs.get("data_dir")))
        )
        window = sorted((n, str(v)) for n, v in kwargs.items() if n not in ("data_dir", "progress"))
        return (*where, policy.model_dump_json(), *window)

    def __call__(self, session: Any, policy: Any, **kwargs: Any) -> list[Any]:
        key = self._key(session, policy, kwargs)
        if key not in self.rows:
            kwargs.pop("progress", None)  # a progress bar only: the rows are the same
            self.rows[key] = self.compute(session, policy, **kwargs)
            self.computed += 1
        return list(self.rows[key])

    def forget(self) -> None:
        self.rows.clear()

    @contextmanager
    def using(self) -> Iterator[TrainingRows]:
        """`training.training_rows` is this while the block runs (in this process)."""
        from renewals.forecast import training

        training.training_rows = self  # type: ignore[assignment]
        try:
            yield self
        finally:
            training.training_rows = self.compute  # type: ignore[assignment]
