"""The machine's file of sentence embeddings (RENEWALS_EMBEDDING_CACHE): a new process
reads what another one embedded, exactly, without running the model again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from renewals.signal import embedding_file, semantic

SENTENCES = [
    "They are evaluating other vendors for next year.",
    "Kami sedang membandingkan harga dengan pesaing.",
]


def test_a_second_embedder_reads_the_file_instead_of_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = embedding_file.EmbeddingFile(tmp_path / "embeddings.sqlite")
    first = semantic.E5Embedder(shared=shared)
    vectors = first.embed(SENTENCES)
    assert vectors.shape == (2, semantic.DIMENSIONS)

    # a new process: an empty memory, the same file, and a model that must not run
    second = semantic.E5Embedder(shared=embedding_file.EmbeddingFile(shared.path))

    def no_model() -> None:
        raise AssertionError("the model ran for sentences the file holds")

    monkeypatch.setattr(second, "_load", no_model)
    again = second.embed(list(reversed(SENTENCES)))
    assert np.array_equal(again, vectors[::-1])  # float32, bit for bit

    # a sentence the file does not hold still needs the model
    with pytest.raises(AssertionError, match="the model ran"):
        second.embed(["A sentence nobody embedded before."])


def test_the_environment_names_the_file_or_nothing(tmp_path: Path) -> None:
    assert embedding_file.from_environment({}) is None
    assert embedding_file.from_environment({"RENEWALS_EMBEDDING_CACHE": " "}) is None
    found = embedding_file.from_environment(
        {"RENEWALS_EMBEDDING_CACHE": str(tmp_path / "deep" / "e.sqlite")}
    )
    assert found is not None and found.path.is_file()
    assert found.get(["no such key"]) == {}
