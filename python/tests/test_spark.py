"""The PySpark job (local[2]) returns exactly the CLI's JSON for compare, parity and vocab."""

import os

import pytest

pyspark = pytest.importorskip("pyspark")

import tokstat.spark  # noqa: E402
from conftest import CODE, MULTILINGUAL, cli_json  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)
    s = (
        SparkSession.builder.master("local[2]")
        .appName("tokstat-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield s
    s.stop()


def test_spark_compare_equals_cli(spark):
    want = cli_json("compare", CODE, MULTILINGUAL)
    assert tokstat.spark.compare(spark, [CODE, MULTILINGUAL], partitions=5) == want


def test_spark_parity_equals_cli(spark):
    want = cli_json("parity", MULTILINGUAL)
    assert tokstat.spark.parity(spark, MULTILINGUAL, partitions=4) == want


def test_spark_vocab_equals_cli(spark):
    want = cli_json("vocab", "--corpus", CODE, "-t", "roberta")
    assert tokstat.spark.vocab(spark, [CODE], ["roberta"], partitions=3) == want
