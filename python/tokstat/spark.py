"""Corpus-scale ``compare``, ``parity`` and ``vocab --corpus`` on Apache Spark, exact.

The driver walks the inputs once (:func:`tokstat.plan`), so every file keeps its position in the
walk; ``mapPartitions`` builds one serialised :class:`tokstat.Partial` per partition;
``treeReduce`` merges them (merging is associative and commutative, so Spark may group and order
the merges as it likes); the driver calls ``finish()``. The report equals the one of
``tokstat compare --format json`` over the same paths, byte for byte once serialised.

Every worker must see the same files at the same paths (a shared or replicated file system) and
have this package installed. Example::

    from pyspark.sql import SparkSession
    from tokstat.spark import compare, parity, vocab

    spark = SparkSession.builder.master("local[2]").getOrCreate()
    report = compare(spark, ["corpora/code"], tokenizers=["modernbert", "roberta"])
    print(report["tokenizers"][0]["bytes_per_token"])
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

import tokstat


def _compare_partition(
    tokenizers: Optional[List[str]], lang: Optional[str], lossy: bool
):
    def run(entries: Iterator[str]) -> Iterator[bytes]:
        p = tokstat.Partial(tokenizers, lang=lang, lossy=lossy)
        p.update_planned(list(entries))
        yield p.to_bytes()

    return run


def _merger(state: Any):
    """The ``treeReduce`` function of a partial-state class: two serialised states → their merge."""

    def merge(a: bytes, b: bytes) -> bytes:
        return state.from_bytes(a).merge(state.from_bytes(b)).to_bytes()

    return merge


def compare(
    spark: Any,
    paths: Iterable[str],
    tokenizers: Optional[Sequence[str]] = None,
    *,
    partitions: Optional[int] = None,
    lang: Optional[str] = None,
    lossy: bool = False,
    no_ignore: bool = False,
    depth: int = 2,
) -> Dict[str, Any]:
    """``tokstat compare`` over ``paths`` on a Spark session: one partial state per partition,
    merged with ``treeReduce(depth)``. Returns the report dict."""
    toks = None if tokenizers is None else list(tokenizers)
    entries = tokstat.plan(list(paths), no_ignore=no_ignore)
    sc = spark.sparkContext
    rdd = sc.parallelize(entries, partitions or sc.defaultParallelism)
    merged = rdd.mapPartitions(_compare_partition(toks, lang, lossy)).treeReduce(
        _merger(tokstat.Partial), depth
    )
    return tokstat.Partial.from_bytes(merged, toks).finish()


def _parity_partition(dir: Optional[str], tokenizers: Optional[List[str]], pivot: str):
    def run(lines: Iterator[int]) -> Iterator[bytes]:
        p = tokstat.ParityPartial(dir, tokenizers, pivot)
        p.update(list(lines))
        yield p.to_bytes()

    return run


def parity(
    spark: Any,
    dir: Optional[str] = None,
    tokenizers: Optional[Sequence[str]] = None,
    *,
    pivot: str = "eng_Latn",
    worst: int = 5,
    partitions: Optional[int] = None,
    depth: int = 2,
) -> Dict[str, Any]:
    """``tokstat parity`` on a Spark session: the line indices of the parallel corpus are split
    over partitions, one partial state per partition, merged with ``treeReduce``."""
    toks = None if tokenizers is None else list(tokenizers)
    n = tokstat.ParityPartial(dir, toks, pivot).lines
    sc = spark.sparkContext
    rdd = sc.parallelize(range(n), partitions or sc.defaultParallelism)
    merged = rdd.mapPartitions(_parity_partition(dir, toks, pivot)).treeReduce(
        _merger(tokstat.ParityPartial), depth
    )
    return tokstat.ParityPartial.from_bytes(merged).finish(worst)


def _vocab_partition(tokenizers: Optional[List[str]]):
    def run(entries: Iterator[str]) -> Iterator[bytes]:
        yield tokstat.VocabPartial(tokenizers).update_planned(list(entries)).to_bytes()

    return run


def vocab(
    spark: Any,
    corpus: Iterable[str],
    tokenizers: Optional[Sequence[str]] = None,
    *,
    examples: int = 5,
    models: Optional[Sequence[str]] = None,
    no_ignore: bool = False,
    partitions: Optional[int] = None,
    depth: int = 2,
) -> List[Dict[str, Any]]:
    """``tokstat vocab --corpus`` on a Spark session: the driver walks the corpus once
    (:func:`tokstat.vocab_plan`), one :class:`tokstat.VocabPartial` per partition, merged with
    ``treeReduce``; the driver runs the audit with the merged corpus use."""
    toks = None if tokenizers is None else list(tokenizers)
    entries = tokstat.vocab_plan(list(corpus), no_ignore=no_ignore)
    sc = spark.sparkContext
    rdd = sc.parallelize(entries, partitions or sc.defaultParallelism)
    merged = rdd.mapPartitions(_vocab_partition(toks)).treeReduce(
        _merger(tokstat.VocabPartial), depth
    )
    return tokstat.VocabPartial.from_bytes(merged).finish(examples, models)
