"""`vocab --corpus` as a partial state: the bundled corpora split into k random shards, each
shard's state serialised, merged in random trees, finish into the CLI's JSON exactly."""

import random

import pytest

import tokstat
from conftest import CODE, MULTILINGUAL, cli_error, cli_json

TOKS = ["xlm-roberta", "roberta"]


@pytest.fixture(scope="module")
def per_entry():
    """One serialised state per corpus entry (the finest shards)."""
    entries = tokstat.vocab_plan([CODE, MULTILINGUAL])
    return [tokstat.VocabPartial(TOKS).update_planned([e]).to_bytes() for e in entries]


def merge_randomly(states, rng):
    states = list(states)
    while len(states) > 1:
        a = tokstat.VocabPartial.from_bytes(states.pop(rng.randrange(len(states))))
        b = tokstat.VocabPartial.from_bytes(states.pop(rng.randrange(len(states))))
        states.append(a.merge(b).to_bytes())
    return states[0]


def test_random_shards_merge_to_the_cli_report(per_entry):
    want = cli_json("vocab", "--corpus", CODE, MULTILINGUAL, "-t", ",".join(TOKS))
    single = tokstat.VocabPartial(TOKS).update_paths([CODE, MULTILINGUAL]).to_bytes()
    rng = random.Random(20)
    for k in [1, 2, 3, 7]:
        shards = [[] for _ in range(k)]
        for b in per_entry:
            shards[rng.randrange(k)].append(b)
        states = []
        for shard in shards:
            rng.shuffle(shard)
            p = tokstat.VocabPartial(TOKS)
            for b in shard:
                p.merge(tokstat.VocabPartial.from_bytes(b))
            states.append(p.to_bytes())
        assert merge_randomly(states, rng) == single, f"k = {k}"
    merged = tokstat.VocabPartial.from_bytes(single)
    assert merged.files == len(per_entry)
    assert merged.finish() == want


def test_texts_count_like_files():
    with open(f"{MULTILINGUAL}/eng_Latn.txt", encoding="utf-8") as f:
        text = f.read()
    a = tokstat.VocabPartial(["roberta"]).update([text])
    b = tokstat.VocabPartial(["roberta"]).update_paths(f"{MULTILINGUAL}/eng_Latn.txt")
    assert a.to_bytes() == b.to_bytes()
    assert a.finish(examples=2)[0]["corpus"]["files"] == 1


def test_bad_states_and_inputs_raise(per_entry):
    b = per_entry[0]
    with pytest.raises(tokstat.TokstatError, match="wrong magic"):
        tokstat.VocabPartial.from_bytes(b"not a state")
    with pytest.raises(tokstat.TokstatError, match="corrupt vocab state"):
        tokstat.VocabPartial.from_bytes(b[: len(b) - 1])
    with pytest.raises(tokstat.TokstatError, match="expected `vocab`"):
        tokstat.VocabPartial.from_bytes(tokstat.Partial(["roberta"]).to_bytes())
    with pytest.raises(tokstat.TokstatError, match="cannot merge a vocab state of"):
        tokstat.VocabPartial(["roberta"]).merge(tokstat.VocabPartial.from_bytes(b))
    missing = "no/such/corpus"
    with pytest.raises(tokstat.TokstatError) as e:
        tokstat.VocabPartial(["roberta"]).update_paths(missing)
    assert str(e.value) == cli_error("vocab", "-t", "roberta", "--corpus", missing)
    with pytest.raises(tokstat.TokstatError) as e:
        tokstat.VocabPartial(["no-such-tokenizer"])
    assert str(e.value) == cli_error("vocab", "-t", "no-such-tokenizer")


def test_whole_audit_equals_cli():
    assert tokstat.vocab(["roberta"], examples=3) == cli_json("vocab", "-t", "roberta", "--examples", "3")
