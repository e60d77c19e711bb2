"""Babel extractors for what standard records in JSON show to users: the Jinja inside Notification and
Print Format files, and the labels of Number Cards and Dashboard Charts."""

import io
import json

from frappe.gettext.extractors.html_template import extract as extract_template

TEMPLATE_KEYS = ("subject", "message", "html")


def extract(fileobj, keywords, comment_tags, options):
	data = json.load(fileobj)
	for key in TEMPLATE_KEYS:
		if data.get(key):
			yield from extract_template(io.BytesIO(data[key].encode()), keywords, comment_tags, options)


LABEL_KEYS = ("label", "chart_name")


def extract_labels(fileobj, keywords, comment_tags, options):
	data = json.load(fileobj)
	for key in LABEL_KEYS:
		if data.get(key):
			yield None, "_", data[key], [data.get("doctype", "")]
