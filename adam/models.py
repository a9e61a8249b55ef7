"""Every model, imported once so the metadata (and Alembic) sees all tables."""

from adam.auth.models import ApiToken, Role, User
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
from adam.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    OutboxMessage,
    WebhookSubscription,
)
from adam.projects.models import (
    FactDimension,
    OrganizationRole,
    Project,
    ProjectCodeCounter,
    ProjectHistory,
    ProjectOrganization,
    ProjectStatus,
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
    "Delivery",
    "DeliveryStatus",
    "Document",
    "DuplicateAlert",
    "FactDimension",
    "IdempotencyKey",
    "ImportJob",
    "ImportStatus",
    "MatchKey",
    "Organization",
    "OrganizationRole",
    "OrganizationType",
    "OutboxMessage",
    "Pillar",
    "Project",
    "ProjectCodeCounter",
    "ProjectHistory",
    "ProjectOrganization",
    "ProjectSearch",
    "ProjectStatus",
    "Region",
    "Resolution",
    "Role",
    "SearchTermStat",
    "Theme",
    "User",
    "WebhookSubscription",
    "project_country",
    "project_fact",
    "project_theme",
]
