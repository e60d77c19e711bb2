"""Babel extractor for the Jinja inside standard Notification and Print Format JSON files."""

import io
import json

from frappe.gettext.extractors.html_template import extract as extract_template

TEMPLATE_KEYS = ("subject", "message", "html")


def extract(fileobj, keywords, comment_tags, options):
	data = json.load(fileobj)
	for key in TEMPLATE_KEYS:
		if data.get(key):
			yield from extract_template(io.BytesIO(data[key].encode()), keywords, comment_tags, options)
