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

# What a POST, PUT or PATCH may carry: a JSON document (or nothing), or a file upload
# (multipart/form-data).
Accepts = Literal["json", "multipart"]

_ATTRIBUTE = "adam_access"


@dataclass(frozen=True)
class Access:
    public: bool
    accepts: Accepts = "json"


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


def declared(view: Callable[..., Any] | None) -> Access | None:
    """The view's declaration, or None when it declares nothing."""
    found = getattr(view, _ATTRIBUTE, None)
    return found if isinstance(found, Access) else None


def access_of(view: Callable[..., Any] | None) -> Access:
    """The view's declaration; a view that declares nothing needs a token and takes JSON."""
    return declared(view) or UNDECLARED
