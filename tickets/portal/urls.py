from django.urls import path

from tickets.portal import guest, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/new/", views.ticket_new, name="ticket-new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/files/<int:file_pk>/", views.attachment_download, name="attachment"),
    path("guest/new/", guest.guest_new, name="guest-new"),
    path("guest/sent/", guest.guest_sent, name="guest-sent"),
    path("guest/link/", guest.guest_renew, name="guest-renew"),
    path("guest/<str:token>/", guest.guest_ticket, name="guest-ticket"),
    path("guest/<str:token>/files/<int:file_pk>/", guest.guest_attachment, name="guest-attachment"),
]
