from django.urls import path

from tickets.live import stream

urlpatterns = [path("stream", stream.stream, name="live-stream")]
