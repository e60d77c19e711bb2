# Copyright (c) 2026, BizLink contributors
# For license information, please see license.txt
"""Spanish text search: the words of a text as stems, ranked by BM25.

A text becomes its *terms*: tags stripped, lowercased, accents folded (customers write "presion" as
often as "presión"), Spanish stop words dropped, each word cut to its Snowball stem ("pierde agua",
"pérdidas de agua" → "pierd agu", "perd agu"). A document stores its terms (`search_terms`) and its
postings (below); what the user typed is turned into terms first, so `+`, `-`, `*`, `"` and `@` are
only characters that separate words, never operators, and no text reaches SQL but as a value.

Short terms ("e5", an error code) are padded with a marker no Spanish word ends in (kept from a first
version on MariaDB's FULLTEXT index, which drops words under three characters; harmless here).
"""

import html
import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache

import frappe
import snowballstemmer

# the longest a query is read: beyond that a pasted text is no more precise, only slower
MAX_QUERY_TERMS = 48
MAX_QUERY_CHARS = 4000
# a ticket's text beyond this adds nothing to what it is about (and a pasted log would slow its save)
MAX_TEXT_CHARS = 20000
SHORT_TERM_MARK = "qx"
MIN_TOKEN = 3
# no word is longer (InnoDB indexes up to 84 characters); a longer run of letters is noise
MAX_WORD = 40

WORD = re.compile(r"[a-z0-9ñ]+")
TOKEN = re.compile(r"[^\W_]+")
TAG = re.compile(r"<[^>]*>")

# Snowball's Spanish stop words (accents folded): words that say nothing of what a problem is
STOP_WORDS = frozenset(
	"""
	de la que el en y a los del se las por un para con no una su al lo como mas pero sus le ya o este si
	porque esta entre cuando muy sin sobre tambien me hasta hay donde quien desde todo nos durante todos
	uno les ni contra otros ese eso ante ellos e esto mi antes algunos unos yo otro otras otra tanto
	esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo nosotros mis tu te ti
	tus ellas nosotras vosotros vosotras os mio mia mios mias tuyo tuya tuyos tuyas suyo suya suyos suyas
	nuestro nuestra nuestros nuestras vuestro vuestra vuestros vuestras esos esas estoy estas esta estamos
	estais estan este estes estemos esteis esten estare estaras estara estaremos estareis estaran estaria
	estarias estariamos estariais estarian estaba estabas estabamos estabais estaban estuve estuviste
	estuvo estuvimos estuvisteis estuvieron estuviera estuvieras estuvieramos estuvierais estuvieran
	estuviese estuvieses estuviesemos estuvieseis estuviesen estando estado estada estados estadas estad
	he has ha hemos habeis han haya hayas hayamos hayais hayan habre habras habra habremos habreis habran
	habria habrias habriamos habriais habrian habia habias habiamos habiais habian hube hubiste hubo
	hubimos hubisteis hubieron hubiera hubieras hubieramos hubierais hubieran hubiese hubieses
	hubiesemos hubieseis hubiesen habiendo habido habida habidos habidas soy eres es somos sois son sea
	seas seamos seais sean sere seras sera seremos sereis seran seria serias seriamos seriais serian era
	eras eramos erais eran fui fuiste fue fuimos fuisteis fueron fuera fueras fueramos fuerais fueran
	fuese fueses fuesemos fueseis fuesen siendo sido tengo tienes tiene tenemos teneis tienen tenga
	tengas tengamos tengais tengan tendre tendras tendra tendremos tendreis tendran tendria tendrias
	tendriamos tendriais tendrian tenia tenias teniamos teniais tenian tuve tuviste tuvo tuvimos
	tuvisteis tuvieron tuviera tuvieras tuvieramos tuvierais tuvieran tuviese tuvieses tuviesemos
	tuvieseis tuviesen teniendo tenido tenida tenidos tenidas tened
	buenos buenas dias tardes hola gracias saludos favor cada
	""".split()
)


def fold(text: str) -> str:
	"""Lowercase, without accents (ñ stays ñ: "año" is not "ano")."""
	text = unicodedata.normalize("NFKD", text.lower().replace("ñ", "\0"))
	return "".join(c for c in text if not unicodedata.combining(c)).replace("\0", "ñ")


@lru_cache(maxsize=1)
def _stemmer():
	return snowballstemmer.stemmer("spanish")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
	term = _stemmer().stemWord(word)
	return term + SHORT_TERM_MARK if len(term) < MIN_TOKEN else term


def _tokens(text: str | None) -> list[tuple[str, str]]:
	"""(word as written, lowercased; word folded) for each meaningful word of a text, in order."""
	if not text:
		return []
	text = html.unescape(TAG.sub(" ", str(text)[:MAX_TEXT_CHARS]))
	found = []
	for token in TOKEN.findall(text.lower()):
		for word in WORD.findall(fold(token)):
			# one letter or digit says nothing ("0,5 bar" is "bar"); a code ("e5", "28") does
			if 1 < len(word) <= MAX_WORD and word not in STOP_WORDS:
				found.append((token, word))
	return found


def words(text: str | None) -> list[str]:
	"""The words of a text that carry meaning, folded, in order (repeats kept)."""
	return [word for _token, word in _tokens(text)]


def terms(text: str | None) -> list[str]:
	"""The stems of a text's meaningful words, in order (repeats kept: they weigh in relevance)."""
	return [stem(w) for w in words(text)]


def index_text(*texts: str | None) -> str:
	"""What a document stores in its FULLTEXT column: the terms of its texts, space-separated."""
	return " ".join(term for text in texts for term in terms(text))


def query_terms(query: str | None) -> list[str]:
	"""A user's query as distinct terms, in the order typed: at most MAX_QUERY_TERMS of them."""
	seen: dict[str, None] = {}
	for term in terms((query or "")[:MAX_QUERY_CHARS]):
		seen.setdefault(term, None)
		if len(seen) >= MAX_QUERY_TERMS:
			break
	return list(seen)


def matched_words(query: str | None, stored_terms: str | None) -> list[str]:
	"""The words the user typed (lowercased, accents kept) whose stems a document holds: why it matched."""
	held = set((stored_terms or "").split())
	found: dict[str, None] = {}
	for token, word in _tokens((query or "")[:MAX_QUERY_CHARS]):
		if stem(word) in held:
			found.setdefault(token, None)
	return list(found)


# The index: BM25 over an impact-ordered postings table -------------------------------------------
#
# MariaDB's InnoDB FULLTEXT ranks every document holding any of the query's words: at 200,000 tickets
# a request of a few common words ("agua", "caldera") took 1 to 5 s. BizLink keeps its own postings
# instead (Frappe keeps `__global_search` the same way): one row per (kind, term, document) with the
# term's BM25 weight in that document, read through an index ordered by weight, so a query reads at
# most TOP_POSTINGS rows per term, the best first (rare terms, which decide, have fewer rows than
# that anyway). Document frequencies live in a small table updated with the postings. A save queues
# the document's indexing on the `short` queue once it commits (the postings' random writes cost a
# few ms on a large index: not the user's); the job brings the postings to what the document says
# now, whatever they held, so a late, repeated or reordered job leaves them right.

POSTINGS = "__bizlink_search"
STATS = "__bizlink_search_stats"
DOCS = ""  # the stats row counting a kind's indexed documents
TOP_POSTINGS = 1000
K1, B = 1.2, 0.75
AVERAGE_LENGTH = 50  # terms in a typical ticket (subject twice, description, resolution)


def ensure_tables() -> None:
	"""The postings and statistics tables (DDL: at install and migrate, never in a request)."""
	frappe.db.sql_ddl(  # nosemgrep (own tables, no DocType; values as parameters)
		f"""create table if not exists `{POSTINGS}` (
			kind varchar(1) not null,
			term varchar(48) not null,
			name varchar(140) not null,
			weight float not null,
			primary key (kind, term, name),
			key by_weight (kind, term, weight),
			key by_name (kind, name)
		) engine=InnoDB character set utf8mb4 collate utf8mb4_bin"""
	)
	frappe.db.sql_ddl(  # nosemgrep (own tables, no DocType; values as parameters)
		f"""create table if not exists `{STATS}` (
			kind varchar(1) not null,
			term varchar(48) not null,
			df int not null,
			primary key (kind, term)
		) engine=InnoDB character set utf8mb4 collate utf8mb4_bin"""
	)


def drop_tables() -> None:
	for table in (POSTINGS, STATS):
		frappe.db.sql_ddl(f"drop table if exists `{table}`")  # nosemgrep (own tables)


def term_weight(tf: int, length: int) -> float:
	"""BM25's term-frequency part, the document's length against a typical one."""
	return tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / AVERAGE_LENGTH))


def postings_of(terms_text: str | None) -> dict[str, float]:
	counts = Counter((terms_text or "").split())
	length = sum(counts.values())
	return {term[:48]: term_weight(tf, length) for term, tf in counts.items()}


def set_postings(kind: str, name: str, new_terms: str | None) -> None:
	"""A document's postings made to hold `new_terms` (None: not searched), whatever they held before
	(read and locked first: two jobs for one document apply one after the other, each from what the
	other left). Frequencies are updated in term order: concurrent jobs lock them in one order."""
	held = f"select term, weight from `{POSTINGS}` where kind = %s and name = %s for update"
	old = dict(frappe.db.sql(held, (kind, name)))  # nosemgrep (own tables, no DocType; values as parameters)
	new = postings_of(new_terms)
	if old.keys() == new.keys() and all(abs(old[term] - new[term]) < 1e-4 for term in new):
		return
	delete = f"delete from `{POSTINGS}` where kind = %s and name = %s"
	frappe.db.sql(delete, (kind, name))  # nosemgrep (own tables, no DocType; values as parameters)
	if new:
		frappe.db.sql(  # nosemgrep (own tables, no DocType; values as parameters)
			f"insert into `{POSTINGS}` (kind, term, name, weight) values "
			+ ", ".join(["(%s, %s, %s, %s)"] * len(new)),
			[value for term, weight in new.items() for value in (kind, term, name, weight)],
		)
	change = {term: 1 for term in new.keys() - old.keys()} | {term: -1 for term in old.keys() - new.keys()}
	if bool(new) != bool(old):
		change[DOCS] = 1 if new else -1
	add_frequencies(kind, change)


def add_frequencies(kind: str, change: dict[str, int]) -> None:
	change = {term: delta for term, delta in sorted(change.items()) if delta}
	if not change:
		return
	frappe.db.sql(  # nosemgrep (own tables, no DocType; values as parameters)
		f"insert into `{STATS}` (kind, term, df) values "
		+ ", ".join(["(%s, %s, %s)"] * len(change))
		+ " on duplicate key update df = greatest(0, df + values(df))",
		[value for term, delta in change.items() for value in (kind, term, delta)],
	)


def index_many(kind: str, documents: dict[str, str]) -> None:
	"""Postings of many documents never indexed before (a backfill, a benchmark's corpus), in bulk."""
	rows, change = [], Counter()
	for name, terms_text in documents.items():
		postings = postings_of(terms_text)
		rows.extend((kind, term, name, weight) for term, weight in postings.items())
		change.update(postings.keys())
		change[DOCS] += 1 if postings else 0
	for start in range(0, len(rows), 5000):
		chunk = rows[start : start + 5000]
		frappe.db.sql(  # nosemgrep (own tables, no DocType; values as parameters)
			f"insert into `{POSTINGS}` (kind, term, name, weight) values "
			+ ", ".join(["(%s, %s, %s, %s)"] * len(chunk)),
			[value for row in chunk for value in row],
		)
	items = sorted(change.items())
	for start in range(0, len(items), 5000):
		add_frequencies(kind, dict(items[start : start + 5000]))


def rebuild_frequencies(kind: str) -> None:
	"""The document frequencies counted again from the postings (after a bulk removal)."""
	delete = f"delete from `{STATS}` where kind = %s"
	frappe.db.sql(delete, kind)  # nosemgrep (own tables, no DocType; values as parameters)
	frappe.db.sql(  # nosemgrep (own tables, no DocType; values as parameters)
		f"""insert into `{STATS}` (kind, term, df)
		select kind, term, count(*) from `{POSTINGS}` where kind = %s group by kind, term""",
		kind,
	)
	frappe.db.sql(  # nosemgrep (own tables, no DocType; values as parameters)
		f"""insert into `{STATS}` (kind, term, df)
		select %s, %s, count(distinct name) from `{POSTINGS}` where kind = %s""",
		(kind, DOCS, kind),
	)


def rank(kind: str, terms: list[str], limit: int) -> dict[str, float]:
	"""{document: BM25 score} of the `limit` best documents of a kind for the query's terms."""
	if not terms:
		return {}
	frequencies = dict(
		frappe.db.sql(  # nosemgrep (own tables, no DocType; values as parameters)
			f"select term, df from `{STATS}` where kind = %s and term in %s", (kind, [DOCS, *terms])
		)
	)
	documents = frequencies.pop(DOCS, 0)
	idf = {
		term: math.log(1 + (documents - df + 0.5) / (df + 0.5)) for term, df in frequencies.items() if df > 0
	}
	if not idf:
		return {}
	values = {"kind": kind}
	parts = []
	for i, (term, weight) in enumerate(idf.items()):
		values[f"t{i}"], values[f"w{i}"] = term, weight
		parts.append(
			f"(select name, weight * %(w{i})s as s from `{POSTINGS}` where kind = %(kind)s"
			f" and term = %(t{i})s order by weight desc limit {TOP_POSTINGS})"
		)
	return dict(
		frappe.db.sql(  # nosemgrep (own tables, no DocType; values as parameters)
			f"select name, sum(s) as score from ({' union all '.join(parts)}) found"
			f" group by name order by score desc, name limit {int(limit)}",
			values,
		)
	)
