"""Flask-WTF forms of the account pages: sign-in, links, the account page, and user administration."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from app.accounts.passwords import MIN_LENGTH

WORKSPACE_HELP = "The short name of your agency's workspace, e.g. acme."
PASSWORD_HELP = f"At least {MIN_LENGTH} characters. A few unrelated words make a strong one."


def _email_field(label: str = "Email"):
    # Addresses are validated once, by the services (sign-in and reset simply find no such account).
    return EmailField(
        label, validators=[DataRequired("Enter your email address."), Length(max=254)], render_kw={"autocomplete": "email", "spellcheck": "false"}
    )


def _workspace_field():
    return StringField(
        "Workspace",
        validators=[DataRequired("Enter your workspace."), Length(max=63)],
        description=WORKSPACE_HELP,
        render_kw={"autocomplete": "organization", "autocapitalize": "none", "spellcheck": "false"},
    )


def _new_password_field(label: str = "New password"):
    return PasswordField(
        label,
        validators=[DataRequired("Choose a password."), Length(max=1024)],
        description=PASSWORD_HELP,
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH},
    )


def _confirm_field(other: str, label: str = "Confirm password"):
    return PasswordField(
        label,
        validators=[DataRequired("Type the password again."), EqualTo(other, "The two passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )


class SignInForm(FlaskForm):
    workspace = _workspace_field()
    email = _email_field()
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=1024)], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()
    submit = SubmitField("Sign in")


class SecondFactorForm(FlaskForm):
    code = StringField(
        "Six-digit code",
        validators=[
            DataRequired("Enter the code from your authenticator app."),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="The code is six digits."),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*", "maxlength": 7},
    )
    submit = SubmitField("Verify")


class ForgotPasswordForm(FlaskForm):
    workspace = _workspace_field()
    email = _email_field()
    submit = SubmitField("Email me a reset link")


class ResetPasswordForm(FlaskForm):
    password = _new_password_field()
    confirm = _confirm_field("password")
    submit = SubmitField("Set new password")


class AcceptInvitationForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=200)], render_kw={"autocomplete": "name"})
    password = _new_password_field("Choose a password")
    confirm = _confirm_field("password")
    submit = SubmitField("Create my account")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")], render_kw={"autocomplete": "current-password"}
    )
    new_password = _new_password_field()
    confirm = _confirm_field("new_password", "Confirm new password")
    revoke_tokens = BooleanField(
        "Also revoke my API tokens", description="Scripts and integrations using them stop working until you give them new ones."
    )
    submit = SubmitField("Change password")


class ApiTokenForm(FlaskForm):
    name = StringField(
        "Token name",
        validators=[DataRequired("Name the token."), Length(max=100)],
        description="Where it will be used, e.g. “Zapier” or “month-end script”.",
    )
    submit = SubmitField("Create token")


class EnableTwoFactorForm(FlaskForm):
    code = StringField(
        "Code from the app",
        validators=[
            DataRequired("Enter the six-digit code."),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="The code is six digits."),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*", "maxlength": 7},
    )
    submit = SubmitField("Turn on two-factor")


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(
        "Your password", validators=[DataRequired("Enter your password to confirm.")], render_kw={"autocomplete": "current-password"}
    )
    submit = SubmitField("Turn off two-factor")


class InviteUserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the person's name."), Length(max=200)])
    email = _email_field()
    role = SelectField("Role", validators=[DataRequired("Choose a role.")])
    client_id = SelectField("Client company", validators=[Optional()], description="Only for client roles: the company this person belongs to.")
    submit = SubmitField("Send invitation")


class RoleForm(FlaskForm):
    role = SelectField("Role", validators=[DataRequired("Choose a role.")])
    submit = SubmitField("Change role")


class SecurityForm(FlaskForm):
    require_staff_2fa = BooleanField("Require two-factor authentication for agency staff and admins")
    submit = SubmitField("Save security settings")


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for one-button actions."""

    submit = SubmitField("Confirm")


class LocalTimeForm(FlaskForm):
    # Choices are filled per user ("Default: ..." names what they inherit); the service validates the values.
    timezone = SelectField("Time zone", validate_choice=False, description="Times on pages and in your emails are shown on this clock.")
    locale = SelectField("Date and number format", validate_choice=False)
