"""Partial states: the bundled corpora split into k random shards, serialised, merged in random
orders, give exactly the single-process report (and the CLI's JSON)."""

import random

import pytest

import tokstat
from conftest import CODE, MULTILINGUAL, cli_json

TOKS = ["modernbert", "xlm-roberta", "roberta"]


@pytest.fixture(scope="module")
def entries():
    return tokstat.plan([CODE, MULTILINGUAL])


@pytest.fixture(scope="module")
def per_entry(entries):
    """One serialised state per input (the finest shards)."""
    return [tokstat.Partial(TOKS).update_planned([e]).to_bytes() for e in entries]


@pytest.fixture(scope="module")
def single():
    return cli_json("compare", CODE, MULTILINGUAL, "-t", ",".join(TOKS))


def merge_randomly(states, rng):
    states = list(states)
    while len(states) > 1:
        a = states.pop(rng.randrange(len(states)))
        b = states.pop(rng.randrange(len(states)))
        states.append(tokstat.Partial.from_bytes(a).merge(tokstat.Partial.from_bytes(b)).to_bytes())
    return tokstat.Partial.from_bytes(states[0])


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8, 13])
@pytest.mark.parametrize("seed", [0, 1])
def test_random_shards_merge_to_the_cli_report(per_entry, single, k, seed):
    rng = random.Random(1000 * k + seed)
    shards = [[] for _ in range(k)]
    for b in per_entry:
        shards[rng.randrange(k)].append(b)
    states = []
    for shard in shards:
        rng.shuffle(shard)
        p = tokstat.Partial(TOKS)
        for b in shard:
            p.merge(tokstat.Partial.from_bytes(b))
        states.append(p.to_bytes())
    assert merge_randomly(states, rng).finish() == single


def test_shards_analysed_from_files(entries, single):
    rng = random.Random(7)
    order = list(entries)
    rng.shuffle(order)
    parts = [tokstat.Partial(TOKS).update_planned(order[i::3]) for i in range(3)]
    parts[2].merge(parts[0]).merge(parts[1])
    assert parts[2].finish() == single


def test_parity_shards(tmp_path):
    want = cli_json("parity", MULTILINGUAL, "-t", "roberta")
    n = tokstat.ParityPartial(MULTILINGUAL, ["roberta"]).lines
    lines = list(range(n))
    random.Random(3).shuffle(lines)
    states = [tokstat.ParityPartial(MULTILINGUAL, ["roberta"]).update(lines[i::4]).to_bytes()
              for i in range(4)]
    merged = tokstat.ParityPartial.from_bytes(states[3])
    for s in states[:3]:
        merged.merge(tokstat.ParityPartial.from_bytes(s))
    assert merged.finish() == want


def test_corrupt_and_foreign_states_raise(per_entry):
    b = per_entry[0]
    with pytest.raises(tokstat.TokstatError, match="wrong magic"):
        tokstat.Partial.from_bytes(b"not a state")
    with pytest.raises(tokstat.TokstatError, match="corrupt compare state"):
        tokstat.Partial.from_bytes(b[: len(b) // 2])
    newer = bytearray(b)
    newer[8] = 99
    with pytest.raises(tokstat.TokstatError, match="format version 99"):
        tokstat.Partial.from_bytes(bytes(newer))
    with pytest.raises(tokstat.TokstatError, match="expected `parity`"):
        tokstat.ParityPartial.from_bytes(b)
    with pytest.raises(tokstat.TokstatError, match="cannot merge"):
        tokstat.Partial(["roberta"]).merge(tokstat.Partial.from_bytes(b))
