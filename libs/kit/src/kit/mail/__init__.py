"""Mail as reliable as the domain events: a mail outbox, a sender, unsubscribe, a local sink.

Start with :mod:`kit.mail.outbox` (how a service mails), then :mod:`kit.mail.sender`.
"""

from kit.mail.outbox import Attachment, MailCategory, MailOutbox, MailStatus
from kit.mail.tokens import ALL_KINDS, UnsubscribeTarget, UnsubscribeTokens, token_service

__all__ = [
    "ALL_KINDS",
    "Attachment",
    "MailCategory",
    "MailOutbox",
    "MailStatus",
    "UnsubscribeTarget",
    "UnsubscribeTokens",
    "token_service",
]
