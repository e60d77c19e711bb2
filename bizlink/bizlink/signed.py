"""Links BizLink sends to customers (a ticket's rating, an appointment's answer): their parts and an
expiry signed with the site's encryption key, so that none can be made for another document, another
slot or a later date without the key."""

import hashlib
import hmac

from frappe.utils.password import get_encryption_key


def sign(*parts) -> str:
	message = ":".join(str(part) for part in parts).encode()
	return hmac.new(get_encryption_key().encode(), message, hashlib.sha256).hexdigest()


def is_signed(token, *parts) -> bool:
	return bool(token) and hmac.compare_digest(sign(*parts), str(token))
