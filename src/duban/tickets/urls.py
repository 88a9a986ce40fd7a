from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("", views.find_ticket, name="find"),
    path("<str:number>/", views.ticket_page, name="detail"),
    path("<str:number>/print/", views.ticket_print, name="print"),
    path("<str:number>/caller/", views.unmask_caller, name="unmask"),
    path("<str:number>/files/<int:pk>/", views.attachment_file, name="attachment"),
    path("<str:number>/act/<slug:name>/", views.ticket_action, name="action"),
]
