from django.urls import path

from campaigns.views import (
    activity,
    campaigns,
    evaluation,
    exports,
    figures,
    impact,
    material,
    toolkit,
)

app_name = "campaigns"

urlpatterns = [
    path("campaigns/new/", campaigns.campaign_create, name="campaign-create"),
    path("campaigns/<slug:slug>/", campaigns.campaign_detail, name="campaign-detail"),
    path("campaigns/<slug:slug>/edit/", campaigns.campaign_edit, name="campaign-edit"),
    path("campaigns/<slug:slug>/partners/add/", campaigns.partner_add, name="partner-add"),
    path(
        "campaigns/<slug:slug>/partners/<int:partner_id>/remove/",
        campaigns.partner_remove,
        name="partner-remove",
    ),
    path("campaigns/<slug:slug>/toolkit/", toolkit.toolkit, name="toolkit"),
    path("campaigns/<slug:slug>/toolkit/add/", toolkit.material_add, name="material-add"),
    path(
        "campaigns/<slug:slug>/toolkit/download/",
        toolkit.toolkit_download,
        name="toolkit-download",
    ),
    path("review/", toolkit.review_queue, name="review-queue"),
    path("material/<int:pk>/", material.material_detail, name="material-detail"),
    path("material/<int:pk>/edit/", material.material_edit, name="material-edit"),
    path("material/<int:pk>/download/", material.material_download, name="material-download"),
    path("material/<int:pk>/withdraw/", material.material_withdraw, name="material-withdraw"),
    path("material/<int:pk>/versions/new/", material.version_add, name="version-add"),
    path(
        "material/<int:pk>/versions/<int:number>/download/",
        material.version_download,
        name="version-download",
    ),
    path(
        "material/<int:pk>/versions/<int:number>/preview/",
        material.version_preview,
        name="version-preview",
    ),
    path(
        "material/<int:pk>/versions/<int:number>/approve/",
        material.version_approve,
        name="version-approve",
    ),
    path(
        "material/<int:pk>/versions/<int:number>/request-changes/",
        material.version_request_changes,
        name="version-request-changes",
    ),
    path("notices/<int:pk>/dismiss/", material.notice_dismiss, name="notice-dismiss"),
    path("campaigns/<slug:slug>/activity/new/", activity.activity_create, name="activity-create"),
    path("campaigns/<slug:slug>/readiness/", activity.readiness, name="readiness"),
    path(
        "campaigns/<slug:slug>/readiness.<str:fmt>",
        activity.readiness_export,
        name="readiness-export",
    ),
    path(
        "campaigns/<slug:slug>/enforcement/new/",
        activity.enforcement_create,
        name="enforcement-create",
    ),
    path("campaigns/<slug:slug>/impact/", impact.campaign_impact, name="impact"),
    path(
        "campaigns/<slug:slug>/impact/areas.<str:fmt>",
        impact.impact_areas_export,
        name="impact-areas-export",
    ),
    path("campaigns/<slug:slug>/evaluation/", evaluation.evaluation_report, name="evaluation"),
    path(
        "campaigns/<slug:slug>/evaluation.xlsx",
        evaluation.evaluation_workbook,
        name="evaluation-xlsx",
    ),
    path(
        "campaigns/<slug:slug>/partners/<int:partner_id>/report/",
        evaluation.partner_report,
        name="partner-report",
    ),
    path(
        "campaigns/<slug:slug>/partners/<int:partner_id>/report.xlsx",
        evaluation.partner_report_workbook,
        name="partner-report-xlsx",
    ),
    path(
        "campaigns/<slug:slug>/evaluation/learning/",
        evaluation.evaluation_learning,
        name="evaluation-learning",
    ),
    path("figures/", figures.figures_home, name="figures"),
    path("figures/import/", figures.figures_import, name="figures-import"),
    path("figures/imports/<int:pk>/", figures.import_detail, name="import-detail"),
    path("figures/imports/<int:pk>/commit/", figures.import_commit, name="import-commit"),
    path("figures/imports/<int:pk>/undo/", figures.import_undo, name="import-undo"),
    path("activity/", activity.activity_list, name="activity-list"),
    path("activity/export.<str:fmt>", activity.activity_export, name="activity-export"),
    path("exports/<int:pk>/", exports.export_detail, name="export-detail"),
    path("exports/<int:pk>/download/", exports.export_download, name="export-download"),
    path("activity/<int:pk>/", activity.activity_detail, name="activity-detail"),
    path("activity/<int:pk>/edit/", activity.activity_edit, name="activity-edit"),
    path("activity/<int:pk>/comment/", activity.activity_comment, name="activity-comment"),
    path("activity/<int:pk>/evidence/", activity.activity_evidence, name="activity-evidence"),
]
