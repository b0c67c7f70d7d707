"""Campaigns, their material and what is done with it. Split by feature; import from here."""

from campaigns.models.activity import (
    Activity,
    ActivityComment,
    ActivityMaterial,
    ActivityMonthlyTotal,
    ActivityRevision,
    EnforcementFigures,
)
from campaigns.models.campaigns import Campaign, CampaignPartner, CampaignVisit
from campaigns.models.downloads import Download, ReleaseNotice, WithdrawalNotice
from campaigns.models.exports import Export
from campaigns.models.figures import (
    Channel,
    FigureChange,
    FigureImport,
    HelpSeekerFigure,
    RegionFiguresStamp,
)
from campaigns.models.localised import (
    GeneratedVersion,
    LocalisedMaterial,
    LocalisedTemplate,
    PartnerVisits,
)
from campaigns.models.material import Material, MaterialVersion, Tag, WorkflowError

__all__ = [
    "Activity",
    "ActivityComment",
    "ActivityMaterial",
    "ActivityMonthlyTotal",
    "ActivityRevision",
    "EnforcementFigures",
    "FigureChange",
    "FigureImport",
    "GeneratedVersion",
    "LocalisedMaterial",
    "LocalisedTemplate",
    "PartnerVisits",
    "HelpSeekerFigure",
    "RegionFiguresStamp",
    "Material",
    "MaterialVersion",
    "Campaign",
    "CampaignPartner",
    "CampaignVisit",
    "Channel",
    "Download",
    "Export",
    "Tag",
    "ReleaseNotice",
    "WithdrawalNotice",
    "WorkflowError",
]
