"""The writes and reads of the notice preferences and of the queue of the daily digest.

``beneficiaries.notify`` asks ``digest_accounts`` which addresses of an email belong to a user who
chose the daily digest, queues the email for them (``notice_queue``) instead of sending it, and
the daily ``send_digest`` run gathers each user's queue into one email (``notices_unsent`` then
``notices_mark_sent``).
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from notices.models import Frequency, NoticePreference, QueuedNotice


def notice_frequency(user) -> str:
    """Return how ``user`` wants their emails (``Frequency``); at once when they never chose."""
    preference = NoticePreference.objects.filter(user=user).first()
    return preference.frequency if preference else Frequency.IMMEDIATE


@transaction.atomic
def notice_preference_set(*, user, frequency: str, by=None) -> NoticePreference:
    """Record ``user``'s choice (``Frequency``), audited as made by ``by`` (the user themselves)."""
    if frequency not in Frequency.values:
        raise ValidationError({"frequency": _("Choisissez « immédiatement » ou « un résumé par jour ».")},
                              code="invalid")
    preference = NoticePreference.objects.select_for_update().filter(user=user).first()
    if preference is None:
        preference = NoticePreference(user=user)
    elif preference.frequency == frequency:
        return preference
    preference.frequency = frequency
    preference._change_reason = _("Fréquence des courriels choisie")
    preference._history_user = by or user
    preference.save()
    return preference


def digest_accounts(addresses: Iterable[str]) -> dict[str, object]:
    """Return, by lower-cased address, the user who chose the daily digest for that address.

    An address is kept for the digest only when every active account with it chose the digest
    (an address shared with someone who wants emails at once is sent at once). One query.
    """
    wanted = {address.lower() for address in addresses if address}
    if not wanted:
        return {}
    users = (get_user_model().objects.annotate(email_lower=Lower("email"))
             .filter(is_active=True, email_lower__in=wanted).select_related("notice_preference").order_by("pk"))
    accounts: dict[str, list] = {}
    for user in users:
        accounts.setdefault(user.email.lower(), []).append(user)
    result = {}
    for address, owners in accounts.items():
        if address in wanted and all(_chose_digest(owner) for owner in owners):
            result[address] = owners[0]
    return result


def _chose_digest(user) -> bool:
    preference = getattr(user, "notice_preference", None)
    return preference is not None and preference.frequency == Frequency.DAILY


def notice_queue(*, user, subject: str, body: str, link: str = "") -> QueuedNotice:
    """Keep an email for ``user``'s next digest (in the caller's transaction: rolled back with it)."""
    return QueuedNotice.objects.create(user=user, subject=subject[:255], body=body, link=link[:500])


def notices_unsent(user) -> list[QueuedNotice]:
    """Lock and return ``user``'s notices not sent yet, oldest first (call inside a transaction)."""
    return list(QueuedNotice.objects.select_for_update().filter(user=user, sent_at__isnull=True)
                .order_by("created_at", "pk"))


def users_with_unsent_notices():
    return get_user_model().objects.filter(queued_notices__sent_at__isnull=True).distinct().order_by("pk")


def notices_mark_sent(notices: list[QueuedNotice]) -> None:
    QueuedNotice.objects.filter(pk__in=[notice.pk for notice in notices]).update(sent_at=timezone.now())
