"""Throughput of `compare` in one process against PySpark `local[1]` / `local[2]` with 1, 2 and 4
partitions, over the bundled corpora (corpora/code + corpora/multilingual, 9.4 MB).

    python benches/spark_throughput.py [ROUNDS]      (from the repository root, with the
                                                      tokstat package and pyspark installed)

Prints one line per setting: best wall time of ROUNDS runs (default 2) and MB/s, and checks
that every Spark report equals the single-process one. Spark start-up (session, JVM) is not
timed; each Spark run includes the walk on the driver, the tasks, the merges and `finish()`.
"""

import os
import sys
import time

from pyspark.sql import SparkSession

import tokstat
import tokstat.spark

# Spark's Python workers must run the interpreter that has the package.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

PATHS = [os.path.abspath("corpora/code"), os.path.abspath("corpora/multilingual")]
TOKS = ["modernbert", "xlm-roberta", "roberta"]
PARTITIONS = [1, 2, 4]


def corpus_bytes():
    return sum(
        os.path.getsize(os.path.join(d, f))
        for p in PATHS
        for d, _, fs in os.walk(p)
        for f in fs
    )


def best(rounds, run):
    times, out = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    mb = corpus_bytes() / 1e6
    secs, single = best(rounds, lambda: tokstat.compare(PATHS, tokenizers=TOKS))
    print(f"{'one process (tokstat.compare)':34s} {secs:7.2f} s {mb / secs:6.2f} MB/s")
    for master in ["local[1]", "local[2]"]:
        spark = (
            SparkSession.builder.master(master)
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        for parts in PARTITIONS:
            secs, report = best(
                rounds, lambda: tokstat.spark.compare(spark, PATHS, TOKS, partitions=parts)
            )
            assert report == single, f"{master} with {parts} partitions differs"
            print(f"{f'spark {master}, {parts} partitions':34s} {secs:7.2f} s {mb / secs:6.2f} MB/s")
        spark.stop()


if __name__ == "__main__":
    main()
