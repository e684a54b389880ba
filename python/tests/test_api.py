"""The functions of the package give the command line's JSON, and its error messages."""

import pytest

import tokstat
from conftest import CODE, MULTILINGUAL, ROOT, cli, cli_error, cli_json

RETRY_LIMIT = str(ROOT / "tests" / "data" / "fuzz" / "tokenizer_json" / "regex-retry-limit.json")
RETRY_TEXT = "hello world, a longer text with many words aaaa"


def test_encode_matches_cli():
    want = cli_json("encode", "-t", "roberta", "def foo_bar(x):  return x")
    enc = tokstat.encode("def foo_bar(x):  return x", "roberta")
    assert enc.ids == want["ids"]
    assert enc.tokens == want["tokens"]
    assert [list(o) for o in enc.offsets] == want["offsets"]


def test_compare_paths_matches_cli():
    yaml = str(ROOT / "corpora" / "code" / "yaml")
    want = cli_json("compare", yaml, "-t", "modernbert,roberta")
    assert tokstat.compare(yaml, tokenizers=["modernbert", "roberta"]) == want


def test_compare_texts_counts_every_text():
    r = tokstat.compare(texts={"a.py": "def f(x):\n    return x\n", "b.txt": "Bonjour le monde"},
                        tokenizers=["roberta"])
    assert r["input_totals"]["files"] == 2
    langs = {l["language"]: l["files"] for l in r["input_totals"]["by_language"]}
    assert langs == {"python": 1, "text": 1}
    # The same texts as files give the same counts.
    t = r["tokenizers"][0]
    assert t["tokens"] == len(tokstat.encode("def f(x):\n    return x\n", "roberta")) + len(
        tokstat.encode("Bonjour le monde", "roberta"))


def test_parity_matches_cli():
    want = cli_json("parity", MULTILINGUAL, "-t", "roberta", "--worst", "3")
    assert tokstat.parity(MULTILINGUAL, tokenizers=["roberta"], worst=3) == want


def test_budget_matches_cli():
    want = cli_json("budget", "modernbert-base", "roberta-base", "--vocab-sizes", "64k,250002")
    got = tokstat.budget(["modernbert-base", "roberta-base"], vocab_sizes=["64k", 250002])
    assert got == want


@pytest.mark.parametrize(
    "call, args",
    [
        (lambda: tokstat.compare("no/such/file.py"), ["compare", "no/such/file.py"]),
        (lambda: tokstat.compare(CODE, tokenizers=["no-such-tokenizer"]),
         ["compare", CODE, "-t", "no-such-tokenizer"]),
        (lambda: tokstat.compare(CODE, lang="klingon"), ["compare", CODE, "--lang", "klingon"]),
        (lambda: tokstat.parity(MULTILINGUAL, pivot="xxx_Latn"),
         ["parity", MULTILINGUAL, "--pivot", "xxx_Latn"]),
        (lambda: tokstat.encode("x", "no-such-tokenizer"), ["encode", "-t", "no-such-tokenizer", "x"]),
        # A panic inside the tokenizers library (Oniguruma's retry limit) is an error too.
        (lambda: tokstat.encode(RETRY_TEXT, RETRY_LIMIT), ["encode", "-t", RETRY_LIMIT, RETRY_TEXT]),
    ],
)
def test_errors_carry_the_cli_message(call, args):
    with pytest.raises(tokstat.TokstatError) as e:
        call()
    assert str(e.value) == cli_error(*args)
    assert isinstance(e.value, ValueError)


def test_bad_types_raise_python_errors():
    with pytest.raises(TypeError):
        tokstat.compare(texts="one string")
    with pytest.raises(TypeError):
        tokstat.compare()
    with pytest.raises(tokstat.TokstatError):
        tokstat.budget(vocab_sizes=["12q"])
    assert cli("budget", "--vocab-sizes", "12q").returncode != 0


def test_work_runs_without_the_gil():
    """A Python thread keeps running while a comparison runs in another one."""
    import threading

    done = threading.Event()
    ticks = 0

    def work():
        tokstat.compare(MULTILINGUAL, tokenizers=["roberta"])
        done.set()

    t = threading.Thread(target=work)
    t.start()
    while not done.is_set():
        ticks += 1
    t.join()
    # With the GIL held for the whole call this loop would barely run.
    assert ticks > 10_000
