"""Relevance of the Spanish text search on the labelled set (bizlink/devtools/knowledge): 60 requests
written anew, each with its problem among 2,000 resolved tickets of 75 problems in varied wording.

The issue's bar: the text search at least doubles today's recall@5 (same item/type/customer group).
The corpus is written in the test's transaction and rolled back."""

from bizlink.devtools.knowledge import load
from bizlink.devtools.knowledge.relevance import RANKINGS, evaluate, seed


def test_the_text_search_at_least_doubles_todays_recall(site):
	seed()
	recall = evaluate()
	print()
	for ranking, title in RANKINGS.items():
		print(f"  recall@5 {title:45s} {recall[ranking]['recall'] * 100:5.1f} %")
	today = recall["evidence"]["recall"]
	assert 0 < today < 0.5  # the data is there, and the evidence alone is not enough
	assert recall["text"]["recall"] >= 2 * today
	assert recall["text_evidence"]["recall"] >= 2 * today
	assert recall["text_evidence"]["recall"] >= 0.75
	# the list view's LIKE on the subject typed finds (almost) nothing: customers never word it alike
	assert recall["like_subject"]["recall"] <= 0.1
	assert set(recall["text_evidence"]["answered"]) <= {q["id"] for q in load()["queries"]}
