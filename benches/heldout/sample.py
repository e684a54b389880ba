"""Per language: drop repeated queries (case-insensitive, first kept; DEDUP_QUERIES=0 turns it off),
then cap at N pairs by random.Random(0).sample, keep the original order, renumber the ids."""
import json, os, random, sys
raw, out, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])
for lang in ["python", "go", "java", "javascript", "php", "ruby"]:
    path = os.path.join(raw, f"{lang}.jsonl")
    if not os.path.exists(path):
        print(f"{lang}: no raw file, skipped"); continue
    recs = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    n_raw = len(recs)
    if os.environ.get("DEDUP_QUERIES", "1") != "0":
        # README rule 5 for eval splits: a query repeating (case-insensitive) keeps only its first record
        seen, uniq = set(), []
        for r in recs:
            q = r["query"].lower()
            if q not in seen:
                seen.add(q); uniq.append(r)
        recs = uniq
    n = len(recs)
    idx = range(n) if n <= cap else sorted(random.Random(0).sample(range(n), cap))
    kept = [recs[i] for i in idx]
    os.makedirs(os.path.join(out, lang), exist_ok=True)
    with open(os.path.join(out, lang, "test.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for k, r in enumerate(kept, 1):
            rec = {"id": f"{lang}-test-{k:05d}", "language": r["language"], "query": r["query"],
                   "code": r["code"], "source": r["source"], "license": r["license"]}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    per = {}
    for r in kept:
        p = r["source"].split(":", 1)[0]; per[p] = per.get(p, 0) + 1
    before = {}
    for r in recs:
        p = r["source"].split(":", 1)[0]; before[p] = before.get(p, 0) + 1
    print(f"{lang}: raw {n_raw}, unique queries {n} -> {len(kept)}  before={before}  after={per}")
