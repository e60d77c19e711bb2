"""Spanish ships with the app: every source string has a translation, and the desk uses it."""

from pathlib import Path

import frappe
import pytest
from babel.messages.pofile import read_po
from frappe.utils import add_days, today

from bizlink.devtools.factories import make_customer
from bizlink.exceptions import InvalidDateOfBirthError

LOCALE = Path(__file__).resolve().parents[1] / "bizlink" / "locale"


def read_catalog(name: str):
	with open(LOCALE / name, "rb") as f:
		return read_po(f)


def test_every_source_string_has_a_spanish_translation():
	template = read_catalog("main.pot")
	spanish = read_catalog("es.po")
	assert "Age Band" in template and "Service Ticket" in template  # the app's strings were extracted
	missing = [m.id for m in template if m.id and not (spanish.get(m.id, m.context) or None)]
	untranslated = [m.id for m in spanish if m.id and not m.string]
	assert not missing, f"not in es.po: {missing}"
	assert not untranslated, f"untranslated in es.po: {untranslated}"


def test_spanish_placeholders_match_english():
	with_placeholders = 0
	for message in read_catalog("es.po"):
		if message.id and message.string:
			with_placeholders += "{0}" in message.id
			for n in range(5):
				assert (f"{{{n}}}" in message.id) == (f"{{{n}}}" in message.string), message.id
	assert with_placeholders >= 20  # the refusals name what they refuse: the check has messages to read


@pytest.fixture
def spanish():
	frappe.local.lang = "es"
	yield
	frappe.local.lang = "en"


def test_refusal_reads_in_spanish(spanish):
	with pytest.raises(InvalidDateOfBirthError, match="es posterior a hoy"):
		make_customer(customer_type="Individual", city=None, bizlink_date_of_birth=add_days(today(), 1))


def test_custom_field_labels_translate(spanish):
	assert frappe._("Age Band") == "Franja de edad"
	assert frappe._("Date of Birth") == "Fecha de nacimiento"
