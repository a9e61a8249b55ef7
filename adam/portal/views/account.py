"""Sign in and out, the language switch, and one's own password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from adam.access import open_page, page
from adam.auth import portal_sessions
from adam.auth import service as auth_service
from adam.errors import InvalidInput, Unauthorized
from adam.limits import form_email, takes_password
from adam.portal import signin
from adam.portal.blueprint import portal_blueprint
from adam.portal.i18n import LANGUAGES, translate
from adam.session import get_session
from adam.web import commit

blp = portal_blueprint("portal_account", __name__)


@page
@blp.route("/")
def home() -> ResponseReturnValue:
    """Where the portal starts: the projects (strangers sign in first)."""
    return redirect(url_for("portal_projects.search"))


@open_page
@takes_password(account=form_email)
@blp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """The sign-in form; a good e-mail and password start a session."""
    target = signin.safe_next(request.values.get("next"), url_for("portal_projects.search"))
    if request.method == "GET":
        if signin.current_user() is not None:
            return redirect(target)
        return render_template("portal/sign_in.html", next=target, email=""), 200
    email = request.form.get("email", "")
    try:
        user = auth_service.authenticate_password(
            get_session(), email, request.form.get("password", "")
        )
    except Unauthorized:
        message = gettext("Wrong e-mail or password.")
        return render_template("portal/sign_in.html", next=target, email=email, error=message), 401
    response = signin.sign_in(redirect(target, code=303), user)
    commit()
    return response


@page
@blp.route("/sign-out", methods=["POST"])
def sign_out() -> ResponseReturnValue:
    """End this browser's session."""
    response = signin.sign_out(redirect(url_for("portal_account.sign_in"), code=303))
    commit()
    flash(gettext("You are signed out."))
    return response


@open_page
@blp.route("/language", methods=["POST"])
def switch_language() -> ResponseReturnValue:
    """Switch the portal's language; kept on the account of a signed-in person."""
    chosen = request.form.get("language", "")
    if chosen in LANGUAGES:
        session["locale"] = chosen
        user = signin.current_user()
        if user is not None:
            portal_sessions.set_locale(get_session(), user, chosen)
            commit()
    return redirect(signin.safe_next(request.form.get("next"), url_for("portal_account.home")), 303)


@page
@blp.route("/account/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    """Change one's own password; one's other browsers are signed out."""
    if request.method == "GET":
        return render_template("portal/password.html", errors={}), 200
    user = signin.current_user()
    assert user is not None  # @page: only signed-in people reach this view
    new = request.form.get("new_password", "")
    field_errors: dict[str, list[str]] = {}
    if new != request.form.get("confirm_password", ""):
        field_errors["confirm_password"] = [gettext("The two new passwords differ.")]
    else:
        try:
            portal_sessions.change_password(
                get_session(),
                user,
                current=request.form.get("current_password", ""),
                new=new,
                keep=signin.current_token(),
            )
        except InvalidInput as error:
            field_errors = {k: [translate(m) for m in v] for k, v in error.details.items()}
    if field_errors:
        return render_template("portal/password.html", errors=field_errors), 422
    commit()
    flash(gettext("Your password is changed. Your other browsers are signed out."))
    return redirect(url_for("portal_account.change_password"), 303)
