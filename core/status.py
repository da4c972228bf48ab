"""What a listing says of its event: held, cancelled or postponed."""

CONFIRMED = "confirmed"
CANCELLED = "cancelled"
POSTPONED = "postponed"
STATUSES = (CONFIRMED, CANCELLED, POSTPONED)
