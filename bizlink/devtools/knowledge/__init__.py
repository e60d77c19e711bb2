"""Spanish data for the knowledge search: the relevance test, the benchmark and the demo.

Spanish test data for the search over resolved service tickets ("incidencias").

Pure Python, standard library only. ``load()`` returns the labelled set in
``knowledge_es.json``; ``make_tickets()`` builds a deterministic corpus of resolved
tickets from the problem variants, with the noise real customers and agents add
(greetings, two descriptions joined, missing accents, odd capitalisation).

The ``queries`` in the JSON are hand-written requests that do not reuse the variants'
wording; each one is labelled with the problem that resolves it. Checked by
tests/test_knowledge_data.py.
"""

import json
import os
import random
import unicodedata

JSON_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "knowledge_es.json")

TICKET_TYPES = ["Avería", "Consulta", "Instalación", "Garantía"]
CUSTOMER_GROUPS = ["Particular", "Comercial", "Comunidad de vecinos"]
CUSTOMER_GROUP_WEIGHTS = [65, 22, 13]

ITEM_RATE = 0.65  # share of tickets linked to an item of the problem's family
TWO_DESCRIPTIONS_RATE = 0.25
OPENING_RATE = 0.30
CLOSING_RATE = 0.30
NO_ACCENTS_RATE = 0.15  # per text (subject, description, resolution)
LOWER_START_RATE = 0.12
ALL_LOWER_RATE = 0.04
UPPER_SUBJECT_RATE = 0.03

OPENINGS = [
	"Buenos días,",
	"Buenas tardes,",
	"Hola,",
	"Hola, buenas.",
	"Buenas,",
	"Buenos días, os escribo por un problema.",
	"Hola, os cuento lo que me pasa.",
	"Perdonad que os moleste,",
]

CLOSINGS = [
	"Gracias de antemano.",
	"Un saludo.",
	"Muchas gracias.",
	"Quedo a la espera de vuestra respuesta.",
	"Podéis llamarme a cualquier hora.",
	"Estoy en casa por las tardes.",
	"Es bastante urgente, gracias.",
	"Espero noticias vuestras.",
]

_data_cache = None


def load():
	"""Return the parsed JSON (a fresh copy each call)."""
	with open(JSON_PATH, encoding="utf-8") as f:
		return json.load(f)


def _data():
	global _data_cache
	if _data_cache is None:
		_data_cache = load()
	return _data_cache


def strip_accents(text, keep_enye=True):
	"""Drop accents and diaeresis the way people type without them (ñ usually survives)."""
	out = []
	for ch in text:
		if keep_enye and ch in "ñÑ":
			out.append(ch)
			continue
		decomposed = unicodedata.normalize("NFD", ch)
		out.append("".join(c for c in decomposed if unicodedata.category(c) != "Mn"))
	return "".join(out)


def _first_letter(text, upper):
	for i, ch in enumerate(text):
		if ch.isalpha():
			return text[:i] + (ch.upper() if upper else ch.lower()) + text[i + 1 :]
	return text


def _noisy(rng, text, is_subject=False):
	"""Apply the writing habits of customers and agents: accents, case, opening ¿/¡."""
	if rng.random() < NO_ACCENTS_RATE:
		text = strip_accents(text, keep_enye=rng.random() < 0.7)
		if rng.random() < 0.5:
			text = text.replace("¿", "").replace("¡", "")
	r = rng.random()
	if r < ALL_LOWER_RATE:
		text = text.lower()
	elif r < ALL_LOWER_RATE + LOWER_START_RATE:
		text = _first_letter(text, upper=False)
	elif is_subject and r < ALL_LOWER_RATE + LOWER_START_RATE + UPPER_SUBJECT_RATE:
		text = text.upper()
	return text


def _join(parts):
	text = parts[0]
	for part in parts[1:]:
		if text.endswith(","):
			# after "Hola," the sentence continues in lower case
			part = _first_letter(part, upper=False) if not part[:2].isupper() else part
		text = text + " " + part
	return text


def make_tickets(n=2000, seed=7, data=None):
	"""Return ``n`` deterministic resolved tickets (list of dicts).

	Problems are assigned by a shuffled round robin, so every problem gets
	``n // len(problems)`` or one more tickets (uniform, random order).
	"""
	data = data if data is not None else _data()
	rng = random.Random(seed)
	problems = data["problems"]
	families = data["families"]

	order = [i % len(problems) for i in range(n)]
	rng.shuffle(order)

	tickets = []
	for idx in order:
		p = problems[idx]
		subject = rng.choice(p["subjects"])

		if rng.random() < TWO_DESCRIPTIONS_RATE and len(p["descriptions"]) > 1:
			parts = rng.sample(p["descriptions"], 2)
		else:
			parts = [rng.choice(p["descriptions"])]
		if rng.random() < OPENING_RATE:
			parts.insert(0, rng.choice(OPENINGS))
		if rng.random() < CLOSING_RATE:
			parts.append(rng.choice(CLOSINGS))
		description = _join(parts)

		resolution = rng.choice(p["resolutions"])

		item = None
		if rng.random() < ITEM_RATE:
			item = rng.choice(families[p["family"]]["items"])

		type_names = [t for t in TICKET_TYPES if p["types"].get(t)]
		ticket_type = rng.choices(type_names, weights=[p["types"][t] for t in type_names])[0]
		customer_group = rng.choices(CUSTOMER_GROUPS, weights=CUSTOMER_GROUP_WEIGHTS)[0]

		tickets.append(
			{
				"problem": p["id"],
				"family": p["family"],
				"item": item,
				"ticket_type": ticket_type,
				"customer_group": customer_group,
				"subject": _noisy(rng, subject, is_subject=True),
				"description": _noisy(rng, description),
				"resolution": _noisy(rng, resolution),
			}
		)
	return tickets
