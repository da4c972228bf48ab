"""How the project meets other sites: the only schemes it follows, and the name it fetches under."""

import os

WEB_SCHEMES = ("http", "https")  # the only links followed, stored or published

ESS_CONTACT_URL = os.environ.get("ESS_AGENDA_CONTACT_URL", "https://ess-agenda.fr/contact")
USER_AGENT = f"ESS-Agenda/0.1 (ESS Agenda, agenda of the social and solidarity economy; +{ESS_CONTACT_URL})"
