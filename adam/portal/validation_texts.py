"""marshmallow's own fixed messages, so that the catalogue holds their Russian too (the API and
the forms validate with marshmallow; messages with values in them stay in English)."""

from __future__ import annotations

from adam.errors import N_

MARSHMALLOW = (
    N_("Field may not be null."),
    N_("Invalid input type."),
    N_("Invalid type."),
    N_("Invalid value."),
    N_("Missing data for required field."),
    N_("Not a valid URL."),
    N_("Not a valid UUID."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid email address."),
    N_("Not a valid integer."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid number."),
    N_("Not a valid string."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Unknown field."),
)
