"""The admin's forms (Flask-WTF: each carries its CSRF token), checked by aggregator.source_admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from aggregator.source_admin import check_name, check_schedule, check_url, parse_options
from aggregator.sources import SourceError
from core.kinds import AUTO, KINDS


def _checked_by(check: Callable[[Any], object]) -> Callable[[FlaskForm, Field], None]:
    """A WTForms validator from one of the source checks."""

    def validate(_form: FlaskForm, field: Field) -> None:
        try:
            check(field.data)
        except SourceError as exc:
            raise ValidationError(str(exc)) from exc

    return validate


def _public_site(_form: FlaskForm, field: Field) -> None:
    """Unless private sources are allowed, an address whose host is on the server's own networks is
    refused: the crawl would fetch it as discovery would."""
    from aggregator.guarded_fetch import PrivateAddress, public_addresses

    if current_app.config.get("ALLOW_PRIVATE_SOURCES"):
        return
    parts = urlsplit((field.data or "").strip())
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if parts.hostname:
            public_addresses(parts.hostname, port)
    except PrivateAddress as exc:
        raise ValidationError(str(exc)) from exc
    except (OSError, ValueError):  # a name that does not resolve now is the crawl's to report
        return


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class LoginForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=500)])


class NewSourceForm(FlaskForm):
    url = StringField(
        _l("Adresse du site"), validators=[DataRequired(), _checked_by(check_url), _public_site]
    )
    name = StringField(
        _l("Nom court (identifiant)"),
        description=_l("vide : tiré de l'adresse"),
        validators=[Optional(), _checked_by(check_name)],
    )
    kind = SelectField(_l("Type"), choices=list(KINDS), default=AUTO)
    title = StringField(_l("Titre"), validators=[Length(max=300)])
    region = StringField(_l("Région par défaut"), validators=[Length(max=60)])
    schedule = StringField(
        _l("Planification (cron)"), validators=[Length(max=100), _checked_by(check_schedule)]
    )
    discover = SubmitField(_l("Découvrir"))
    save = SubmitField(_l("Enregistrer"))


class EditSourceForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[Length(max=300)])
    url = StringField(_l("Adresse"), validators=[DataRequired(), _checked_by(check_url), _public_site])
    kind = SelectField(_l("Type"), choices=list(KINDS))
    region = StringField(_l("Région par défaut"), validators=[Length(max=60)])
    schedule = StringField(
        _l("Planification (cron)"), validators=[Length(max=100), _checked_by(check_schedule)]
    )
    options = TextAreaField(_l("Options (YAML ou JSON)"), validators=[_checked_by(parse_options)])
    preview = SubmitField(_l("Vérifier"))
    save = SubmitField(_l("Enregistrer"))


class DeleteSourceForm(FlaskForm):
    """Deleting a source is confirmed by typing its name again."""

    confirm_name = StringField(
        _l("Pour confirmer, tapez le nom de la source"),
        validators=[DataRequired(_l("Tapez le nom de la source pour confirmer."))],
    )
    delete = SubmitField(_l("Supprimer la source"))

    def __init__(self, source_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source_name = source_name

    def validate_confirm_name(self, field: Field) -> None:
        if (field.data or "").strip() != self.source_name:
            message = _l(
                "Ce n'est pas le nom de la source (%(name)s) : rien n'a été supprimé.", name=self.source_name
            )
            raise ValidationError(str(message))


class CorrectionForm(FlaskForm):
    uid_a = StringField(_l("Événement A (UID)"), validators=[DataRequired(), Length(max=200)])
    uid_b = StringField(_l("Événement B (UID)"), validators=[DataRequired(), Length(max=200)])
    verdict = RadioField(
        _l("Verdict"),
        choices=[
            SelectChoice("same", _l("le même événement")),
            SelectChoice("different", _l("pas le même événement")),
        ],
        validators=[DataRequired()],
    )
