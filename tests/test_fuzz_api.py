"""Schemathesis over the whole API, as each role: every operation, then stateful scenarios.

Each role's run starts from an empty database (the ``app`` fixture) holding the reference
data, four organizations and that role's account. Every check Schemathesis has is on; where
one is tuned, the comment says why. Runs are deterministic (``derandomize``): a failure here
fails again with the same request, which the report prints as a curl command.

Run alone: ``PYTHONPATH=$PWD .venv/bin/pytest tests/test_fuzz_api.py -q`` (add
``ADAM_TEST_BACKENDS=sqlite`` for one backend).
"""

from __future__ import annotations

import base64
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.result import Ok
from schemathesis.generation.meta import CoveragePhaseData
from schemathesis.pytest.lazy import get_all_tests

from adam.auth import service as auth_service
from adam.auth.models import User
from adam.gaps import service as gaps_service
from adam.iati import background
from adam.session import new_session
from adam.workflows import search as search_workflow
from tests.conftest import Account
from tests.conftest import _empty as empty_tables

PASSWORD = "fuzzing-password-1"
ROLES = ("admin", "coordinator", "focal_point", "donor", "viewer")
# Examples per operation and generation mode (the coverage and examples phases add their
# own, bounded cases): the five roles' runs together stay within a few minutes per backend
# on two cores. ADAM_FUZZ_EXAMPLES raises it for a longer run by hand.
MAX_EXAMPLES = int(os.environ.get("ADAM_FUZZ_EXAMPLES", "6"))
STATEFUL_EXAMPLES = int(os.environ.get("ADAM_FUZZ_STATEFUL_EXAMPLES", "12"))
# A by-hand run over some operations only: those whose label ("POST /api/v1/needs") holds it.
ONLY = os.environ.get("ADAM_FUZZ_ONLY", "")
REVOKE_TOKEN = "DELETE /api/v1/auth/tokens/current"
ISSUE_TOKEN = "POST /api/v1/auth/tokens"

SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,  # the same cases on every run: the suite never flakes on a new seed
    database=None,
    deadline=None,  # a first request compiles templates and warms caches
    suppress_health_check=list(HealthCheck),  # the schemas are large; generation is slow
    print_blob=False,
)


@dataclass
class Caller:
    """The account a run acts as, and how each operation is called with its credentials."""

    app: Flask
    account: Account
    # Empties the database and makes the run's organizations and account again.
    rebuild: Callable[[], Account]

    def start_afresh(self) -> None:
        self.account = self.rebuild()

    def headers(self, label: str) -> dict[str, str]:
        if label == ISSUE_TOKEN:
            pair = f"{self.account.email}:{PASSWORD}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        if label == REVOKE_TOKEN:
            # Revoking the run's own token would leave every later call a 401.
            return {"Authorization": f"Bearer {self.fresh_token()}"}
        return self.account.headers

    def fresh_token(self) -> str:
        with new_session(self.app) as session:
            user = session.get(User, self.account.id)
            assert user is not None
            token = auth_service.issue_token(session, user, ttl_days=1).token
            session.commit()
        return token


@pytest.fixture(params=ROLES)
def caller(
    request: pytest.FixtureRequest,
    app: Flask,
    make_org: Callable[..., str],
    make_user: Callable[..., Account],
) -> Caller:
    role = request.param
    scope: dict[str, Any] = {"focal_point": {"country": "TJ"}, "donor": {"org": "gb-fcdo"}}

    def build() -> Account:
        make_org("gb-fcdo", "Foreign, Commonwealth & Development Office", country="GB")
        make_org("us-inl", "Bureau of International Narcotics and Law Enforcement Affairs")
        make_org("unodc", "United Nations Office on Drugs and Crime", "multilateral")
        make_org("tj-dca", "Drug Control Agency of Tajikistan", "government", "TJ")
        return make_user(role, password=PASSWORD, **scope.get(role, {}))

    def rebuild() -> Account:
        background.drain()
        search_workflow.COUNTS.clear()
        gaps_service.clear_cache()
        empty_tables(app.extensions["adam.engine"])
        return build()

    return Caller(app, build(), rebuild)


def load_schema(app: Flask, *, coverage: bool = True) -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The coverage phase sends every boundary value of every field (786 requests for
    # POST /projects before _fewer_enum_values); it runs once, as the administrator,
    # whom no rule of role stops before the deepest code. The other roles run the examples
    # and fuzzing phases, which reach each operation's permission checks.
    schema.config.phases.coverage.enabled = coverage
    # Each call carries the role's real credentials, so none are generated; whether the
    # server refuses a call without them, or with bad ones, is the ignored_auth check's job.
    phases = schema.config.phases
    for generation in (
        schema.config.generation,
        *(
            p.generation
            for p in (phases.examples, phases.coverage, phases.fuzzing, phases.stateful)
        ),
    ):
        generation.update(with_security_parameters=False)
    _fewer_enum_values(schema)
    _known_organizations(schema)
    checks = schema.config.checks
    load_all_checks()
    # Every built-in check is on (Schemathesis' default, asserted so an upgrade cannot turn
    # one off unseen). The only one off is max_response_time, which has no default limit:
    # timings on a shared two-core machine would make the suite flaky, and bench/ measures
    # response times instead.
    names = [getattr(check, "__name__", "") for check in CHECKS.get_all()]
    assert len(names) >= 14 and all(checks.get_by_name(name=n).enabled for n in names), names
    assert not checks.max_response_time.enabled
    # On, with 412 also counted as a refusal of invalid data: PATCH and DELETE /projects
    # check If-Match before the codes a body names exist.
    checks.negative_data_rejection.expected_statuses = [
        *checks.negative_data_rejection.expected_statuses,
        "412",
    ]
    # 428 is the status for a missing precondition header (RFC 6585): If-Match on PATCH.
    checks.missing_required_header.expected_statuses = [
        *checks.missing_required_header.expected_statuses,
        "428",
    ]
    # On, with 412 and 422 also counted as acceptance of schema-valid data: the document
    # cannot say which organization codes exist, which version a project is at (If-Match),
    # or rules across fields and records (an end date before the start, an administrator
    # demoting themself); the server answers those with 412/422 and the envelope, which the
    # other checks still validate.
    checks.positive_data_acceptance.expected_statuses = [
        *checks.positive_data_acceptance.expected_statuses,
        "412",
        "422",
    ]
    return schema


# Enum values the coverage phase sends per field; the fuzzing phase draws from all of them.
ENUM_VALUES_PER_FIELD = 3


def _fewer_enum_values(schema: Any) -> None:
    """The coverage phase sends each value of an enum in a request of its own: 249 countries
    and 183 languages for POST /projects alone. A few per field test the same code."""
    sent: Counter[tuple[str, str | None, str]] = Counter()

    @schema.hook
    def filter_case(_context: Any, case: Any) -> bool:
        data = case.meta.phase.data if case.meta is not None else None
        if isinstance(data, CoveragePhaseData) and data.description.endswith("Enum value"):
            key = (case.operation.label, data.parameter, data.description)
            sent[key] += 1
            return sent[key] <= ENUM_VALUES_PER_FIELD
        return True


A_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# The organizations every run's database holds (the ``orgs`` fixture).
DONORS, IMPLEMENTERS = ["gb-fcdo"], ["unodc"]


def _known_organizations(schema: Any) -> None:
    """Valid project bodies name organizations that exist, so registrations succeed and the
    stateful scenarios reach what follows one (its links: GET, PATCH with the ETag, DELETE);
    a random code would give 422 every time. Invalid bodies are left as generated."""

    @schema.hook
    def map_case(_context: Any, case: Any) -> Any:
        body = case.body
        positive = case.meta is None or case.meta.generation.mode.is_positive
        if positive and isinstance(body, dict) and "donors" in body:
            body["donors"] = list(DONORS)
            if "implementers" in body:
                body["implementers"] = list(IMPLEMENTERS)
        # A document's type is judged from its bytes, which the schema cannot describe: valid
        # uploads carry a real PDF, so they are stored and what follows one is reached.
        if positive and isinstance(body, dict) and "file" in body and "category" in body:
            body["file"] = A_PDF
        return case


def _operations(schema: Any, test: Callable[..., None]) -> Iterator[tuple[str, Callable]]:
    # Schemathesis' own pytest integration (schemathesis.pytest.from_fixture) renames test
    # nodes through an attribute pytest 9.2 removed; its test builder, used here, is what
    # that integration runs: the examples, coverage and fuzzing phases of each operation.
    for result in get_all_tests(schema=schema, test_func=test, settings=SETTINGS, given_kwargs={}):
        if isinstance(result, Ok):
            operation, run = result.ok()
            if ONLY in operation.label:
                yield operation.label, run
        else:
            raise AssertionError(f"The document is not usable: {result.err()}")


def test_every_operation(caller: Caller) -> None:
    schema = load_schema(caller.app, coverage=caller.account.role == "admin")

    def check(case: Any) -> None:
        case.call_and_validate(headers=caller.headers(case.operation.label))

    failures: dict[str, str] = {}
    for label, run in _operations(schema, check):
        try:
            run()
        except BaseException as error:  # every operation runs; all failures are reported together
            if isinstance(error, KeyboardInterrupt):
                raise
            failures[label] = str(error)
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())


def test_stateful_scenarios(caller: Caller) -> None:
    """Scenarios of linked calls: a created project's id fed to PATCH, GET, DELETE..."""
    schema = load_schema(caller.app, coverage=False)
    base = schema.as_state_machine()

    class Scenarios(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            # Hypothesis replays a scenario to shrink it and expects the same steps; on the
            # records an earlier scenario left, a create could answer 409 instead of 201.
            caller.start_afresh()

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": caller.headers(case.operation.label)}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            # As call_and_validate does: the checks must know which headers were ours, or
            # ignored_auth takes the role's real token for a generated one.
            case.validate_response(
                response,
                additional_checks=additional_checks,
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    Scenarios.run(
        settings=hypothesis.settings(
            SETTINGS,
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=8,
        )
    )
