"""Every model, imported once so the metadata (and Alembic) sees all tables."""

from adam.auth.models import ApiToken, Role, User
from adam.coverage.models import CoverageLink, LinkState
from adam.db import Base
from adam.documents.models import Document
from adam.duplicates.models import (
    AlertStatus,
    DuplicateAlert,
    MatchKey,
    ProjectSearch,
    Resolution,
)
from adam.duplicates.terms import SearchTermStat
from adam.iati.models import ImportJob, ImportStatus
from adam.idempotency.models import IdempotencyKey
from adam.indicators.models import CountryIndicator, IndicatorHistory
from adam.needs.models import Need, NeedHistory, NeedState, Priority, need_theme
from adam.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    OutboxMessage,
    WebhookSubscription,
)
from adam.pact.models import (
    Event,
    EventKind,
    FollowUpStatus,
    ProgressNote,
    Recommendation,
    RecommendationHistory,
    RecommendationState,
)
from adam.projects.models import (
    FactDimension,
    OrganizationRole,
    Project,
    ProjectCodeCounter,
    ProjectHistory,
    ProjectOrganization,
    ProjectStatus,
    project_cell_fact,
    project_country,
    project_fact,
    project_theme,
)
from adam.reference.models import Country, Organization, OrganizationType, Pillar, Region, Theme

__all__ = [
    "AlertStatus",
    "ApiToken",
    "Base",
    "Channel",
    "Country",
    "CountryIndicator",
    "CoverageLink",
    "Delivery",
    "DeliveryStatus",
    "Document",
    "DuplicateAlert",
    "Event",
    "EventKind",
    "FactDimension",
    "FollowUpStatus",
    "IdempotencyKey",
    "ImportJob",
    "ImportStatus",
    "IndicatorHistory",
    "LinkState",
    "MatchKey",
    "Need",
    "NeedHistory",
    "NeedState",
    "Organization",
    "OrganizationRole",
    "OrganizationType",
    "OutboxMessage",
    "Pillar",
    "Priority",
    "ProgressNote",
    "Project",
    "ProjectCodeCounter",
    "ProjectHistory",
    "ProjectOrganization",
    "ProjectSearch",
    "ProjectStatus",
    "Recommendation",
    "RecommendationHistory",
    "RecommendationState",
    "Region",
    "Resolution",
    "Role",
    "SearchTermStat",
    "Theme",
    "User",
    "WebhookSubscription",
    "need_theme",
    "project_cell_fact",
    "project_country",
    "project_fact",
    "project_theme",
]
