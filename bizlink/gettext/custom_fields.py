"""Babel extractor for the labels, descriptions and options of BizLink's custom fields.

They are stored in English on ERPNext's DocTypes and translated when the desk renders them, so their
words must be in the POT file although no `_()` call wraps them.
"""

from frappe.gettext.extractors.python import extract as extract_python

from bizlink.setup.custom_fields import get_custom_fields


def extract(fileobj, keywords, comment_tags, options):
	yield from extract_python(fileobj, keywords, comment_tags, options)
	for doctype, fields in get_custom_fields().items():
		for field in fields:
			context = f"Field of {doctype}"
			for key in ("label", "description"):
				if field.get(key):
					yield None, "_", field[key], [context]
			if field["fieldtype"] == "Select":
				for option in field.get("options", "").split("\n"):
					if option:
						yield None, "_", option, [context]
