from django.contrib import admin
from django.urls import include, path

from agencies.views import audit as audit_views
from campaigns.views.home import home
from portal import views

admin.site.site_header = "Campaign partner portal administration"
admin.site.site_title = "Campaign partner portal admin"
admin.site.login = views.admin_sign_in

urlpatterns = [
    path("", home, name="home"),
    path("privacy/", views.privacy_notice, name="privacy-notice"),
    path("accessibility/", views.accessibility_statement, name="accessibility-statement"),
    path("account/my-data/", views.my_data, name="my-data"),
    path("audit/", audit_views.audit_trail, name="audit-trail"),
    path("audit/export.csv", audit_views.audit_export, name="audit-export"),
    path("", include("agencies.urls")),
    path("", include("campaigns.urls")),
    path("admin/", admin.site.urls),
]
