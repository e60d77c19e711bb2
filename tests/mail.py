"""Reading the mail Frappe queued, as the recipient's mail program would."""

import email
from email import policy


def mail_text(message: str) -> str:
	"""The decoded text of every text part of a queued message (quoted-printable or base64, any
	charset), joined: what the recipient reads, links included."""
	parsed = email.message_from_string(message, policy=policy.default)
	return "\n".join(part.get_content() for part in parsed.walk() if part.get_content_maintype() == "text")
