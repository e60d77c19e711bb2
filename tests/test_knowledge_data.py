"""The Spanish labelled set of the knowledge search (bizlink/devtools/knowledge): the counts it
claims, queries written anew (no variant copied), a corpus that covers every problem."""

import collections
import os
import re
import sys
import unicodedata

from bizlink.devtools import knowledge as knowledge_es

FAMILIES = {"heating", "solar", "air"}
NGRAM = 6
PLACEHOLDER_WORDS = {"lorem", "ipsum", "xxx", "placeholder", "tbd", "fixme", "foo", "test", "example"}
PLACEHOLDER_CHARS = set("{}<>[]_|\\")
# a few everyday words, to tell whether a query also matches other problems of its family
STOPWORDS = set(
	"""a al algo algun alguna ante antes aun bien cada casa como con cual cuando de del desde
	donde dos el ella en entre es esta estan este esto hace hay he hoy la las le lo los mas me
	mi mucho muy nada ni no nos o otra otro para pero poco por que se si sin sobre solo su sus
	tambien tan tengo todo todos tras un una uno unos y ya ayer dia dias vez veces""".split()
)


def fold(text):
	text = unicodedata.normalize("NFD", text.lower())
	text = "".join(c for c in text if unicodedata.category(c) != "Mn")
	return " ".join(re.findall(r"\w+", text))


def is_placeholder(text):
	return (
		"TODO" in text
		or bool(set(fold(text).split()) & PLACEHOLDER_WORDS)
		or bool(set(text) & PLACEHOLDER_CHARS)
	)


def ngrams(words, n):
	return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def main():
	data = knowledge_es.load()
	families, problems, queries = data["families"], data["problems"], data["queries"]

	# --- families ---------------------------------------------------------------
	assert set(families) == FAMILIES, set(families)
	all_items = []
	for fam, info in families.items():
		assert info["label"], fam
		assert len(info["items"]) == 8, (fam, len(info["items"]))
		all_items += info["items"]
	assert len(all_items) == len(set(all_items)), "item codes repeated across families"
	item_family = {item: fam for fam, info in families.items() for item in info["items"]}

	# --- problems ---------------------------------------------------------------
	assert len(problems) == 75, len(problems)
	ids = [p["id"] for p in problems]
	assert len(ids) == len(set(ids)), "duplicate problem ids"
	per_family = collections.Counter(p["family"] for p in problems)
	assert per_family == {f: 25 for f in FAMILIES}, per_family
	by_id = {p["id"]: p for p in problems}
	variants = []  # (problem id, folded text)
	for p in problems:
		assert 4 <= len(p["subjects"]) <= 5, (p["id"], "subjects")
		assert 4 <= len(p["descriptions"]) <= 5, (p["id"], "descriptions")
		assert len(p["resolutions"]) == 3, (p["id"], "resolutions")
		assert p["types"] and all(
			t in knowledge_es.TICKET_TYPES and isinstance(w, int) and w > 0 for t, w in p["types"].items()
		), (p["id"], p["types"])
		texts = p["subjects"] + p["descriptions"] + p["resolutions"]
		assert len(set(texts)) == len(texts), (p["id"], "repeated variant")
		for text in texts:
			assert text.strip() == text and text, (p["id"], text)
			assert not is_placeholder(text), (p["id"], text)
			variants.append((p["id"], fold(text)))
	variant_ngrams = [(pid, v, ngrams(v.split(), NGRAM)) for pid, v in variants]

	# --- queries ----------------------------------------------------------------
	assert len(queries) == 60, len(queries)
	qids = [q["id"] for q in queries]
	assert len(qids) == len(set(qids)), "duplicate query ids"
	q_per_family = collections.Counter()
	with_item = 0
	qtexts = set()
	overlaps = []
	for q in queries:
		assert q["problem"] in by_id, q["id"]
		fam = by_id[q["problem"]]["family"]
		q_per_family[fam] += 1
		if q["item"] is not None:
			with_item += 1
			assert item_family.get(q["item"]) == fam, (q["id"], q["item"], fam)
		assert q["ticket_type"] in knowledge_es.TICKET_TYPES, q["id"]
		assert q["customer_group"] in knowledge_es.CUSTOMER_GROUPS, q["id"]
		for field in ("subject", "description"):
			text = q[field]
			assert text.strip() == text and text, (q["id"], field)
			assert not is_placeholder(text), (q["id"], field, text)
			assert text not in qtexts, (q["id"], "repeated query text")
			qtexts.add(text)
			ftext = fold(text)
			grams = ngrams(ftext.split(), NGRAM)
			for pid, v, vgrams in variant_ngrams:
				if ftext in v:
					overlaps.append(f"{q['id']} {field} is a substring of a variant of {pid}: {text!r}")
				for gram in sorted(grams & vgrams):
					overlaps.append(f"{q['id']} {field} shares {NGRAM} words with {pid}: {' '.join(gram)}")
	assert not overlaps, "queries copy the variants:\n" + "\n".join(overlaps)
	assert q_per_family == {f: 20 for f in FAMILIES}, q_per_family
	q_problems = {q["problem"] for q in queries}
	assert len(q_problems) >= 50, len(q_problems)
	assert 0.5 <= with_item / len(queries) <= 0.7, with_item

	# how hard the set is for bare word overlap: in how many queries another problem of the
	# family shares at least as many content words as the labelled one
	vocab = collections.defaultdict(set)
	for p in problems:
		for text in p["subjects"] + p["descriptions"]:
			vocab[p["id"]] |= {w for w in fold(text).split() if w not in STOPWORDS and len(w) > 2}
	shared_any = 0
	not_first = 0
	close = 0
	for q in queries:
		fam = by_id[q["problem"]]["family"]
		words = {
			w
			for w in fold(q["subject"] + " " + q["description"]).split()
			if w not in STOPWORDS and len(w) > 2
		}
		scores = {p["id"]: len(words & vocab[p["id"]]) for p in problems if p["family"] == fam}
		mine = scores.pop(q["problem"])
		if any(s > 0 for s in scores.values()):
			shared_any += 1
		if any(s >= mine for s in scores.values()):
			not_first += 1
		if any(s >= mine - 1 for s in scores.values()):
			close += 1

	# --- generated tickets ------------------------------------------------------
	t1 = knowledge_es.make_tickets(2000)
	t2 = knowledge_es.make_tickets(2000)
	assert t1 == t2, "make_tickets is not deterministic"
	assert knowledge_es.make_tickets(2000, seed=8) != t1, "seed has no effect"
	assert len(t1) == 2000
	keys = {
		"problem",
		"family",
		"item",
		"ticket_type",
		"customer_group",
		"subject",
		"description",
		"resolution",
	}
	for t in t1:
		assert set(t) == keys, t
		p = by_id[t["problem"]]
		assert t["family"] == p["family"]
		assert t["item"] is None or item_family[t["item"]] == p["family"], t
		assert t["ticket_type"] in p["types"], t
		assert t["customer_group"] in knowledge_es.CUSTOMER_GROUPS, t
		assert t["subject"] and t["description"] and t["resolution"], t
	per_problem = collections.Counter(t["problem"] for t in t1)
	assert set(per_problem) == set(ids), "some problem has no ticket"
	assert min(per_problem.values()) >= 15, min(per_problem.values())
	item_rate = sum(t["item"] is not None for t in t1) / len(t1)
	assert 0.6 <= item_rate <= 0.7, item_rate
	print(
		f"families: {len(families)} ({', '.join(f'{f}={per_family[f]}' for f in sorted(FAMILIES))} problems)"
	)
	print(f"problems: {len(problems)}; variants: {len(variants)}")
	print(
		f"queries: {len(queries)} ({', '.join(f'{f}={q_per_family[f]}' for f in sorted(FAMILIES))}), "
		f"distinct problems: {len(q_problems)}, with item: {with_item}, "
		f"sharing content words with another problem of the family: {shared_any}, "
		f"another problem ties or beats the labelled one on shared words: {not_first}, "
		f"is at most one shared word behind: {close}"
	)
	print(
		f"tickets: {len(t1)}, per problem min/max: {min(per_problem.values())}/{max(per_problem.values())}, "
		f"with item: {item_rate:.0%}, types: {dict(collections.Counter(t['ticket_type'] for t in t1))}, "
		f"groups: {dict(collections.Counter(t['customer_group'] for t in t1))}"
	)
	print("OK")


def test_the_labelled_set_is_what_it_claims():
	"""75 problems, 60 new queries that copy no variant, a corpus covering every problem."""
	main()


if __name__ == "__main__":
	main()
