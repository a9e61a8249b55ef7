"""What each view declares about its callers: whether it needs a token, and what body it reads.

The declaration sits on the view function itself (``@public`` or ``@protected``), so renaming or
moving a view keeps who may reach it; the request hooks in ``adam.web`` read it from the view
Flask routed to. A view that declares nothing needs a token and takes JSON (default-deny), and
``tests/test_architecture.py`` fails naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, overload

View = TypeVar("View", bound=Callable[..., Any])

# What a POST, PUT or PATCH may carry: a JSON document (or nothing), a file upload
# (multipart/form-data), or a web form (urlencoded or multipart, the portal's pages).
Accepts = Literal["json", "multipart", "form"]
# How the caller is recognised: a bearer token (the API), or the portal's sign-in cookie.
By = Literal["token", "session"]

_ATTRIBUTE = "adam_access"


@dataclass(frozen=True)
class Access:
    public: bool
    accepts: Accepts = "json"
    by: By = "token"


UNDECLARED = Access(public=False)


def _declare(view: View, declaration: Access) -> View:
    # Set on the function Flask registered, not a wrapper, so the order of the decorators
    # does not matter (flask-smorest's route() returns the function it registered).
    setattr(view, _ATTRIBUTE, declaration)
    return view


@overload
def public(view: View, /) -> View: ...
@overload
def public(*, accepts: Accepts = "json") -> Callable[[View], View]: ...
def public(view: View | None = None, /, *, accepts: Accepts = "json") -> Any:
    """The view answers without a token (it may authenticate the caller otherwise)."""
    if view is not None:
        return _declare(view, Access(public=True, accepts=accepts))
    return lambda v: _declare(v, Access(public=True, accepts=accepts))


@overload
def protected(view: View, /) -> View: ...
@overload
def protected(*, accepts: Accepts = "json") -> Callable[[View], View]: ...
def protected(view: View | None = None, /, *, accepts: Accepts = "json") -> Any:
    """The view needs a bearer token."""
    if view is not None:
        return _declare(view, Access(public=False, accepts=accepts))
    return lambda v: _declare(v, Access(public=False, accepts=accepts))


def page(view: View) -> View:
    """A portal page for signed-in people; anyone else is sent to the sign-in page."""
    return _declare(view, Access(public=False, accepts="form", by="session"))


def open_page(view: View) -> View:
    """A portal page anyone may open (sign-in, the language switch); a signed-in person is
    still recognised on it."""
    return _declare(view, Access(public=True, accepts="form", by="session"))


def declared(view: Callable[..., Any] | None) -> Access | None:
    """The view's declaration, or None when it declares nothing."""
    found = getattr(view, _ATTRIBUTE, None)
    return found if isinstance(found, Access) else None


def access_of(view: Callable[..., Any] | None) -> Access:
    """The view's declaration; a view that declares nothing needs a token and takes JSON."""
    return declared(view) or UNDECLARED
