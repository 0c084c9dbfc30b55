"""Attachments: ``/tickets/{id}/attachments`` and ``/attachments/{id}`` (download, delete)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.api.parsers import FormParser, MultiPartParser
from helpdesk.api.throttling import WriteThrottle
from helpdesk.errors import NotFound, PayloadTooLarge, ValidationFailed
from tickets import access, services
from tickets.api.serializers import AttachmentSerializer, AttachmentUploadSerializer
from tickets.api.views.common import visible_ticket
from tickets.api.views.tickets import ERRORS, WRITE_ERRORS
from tickets.files import attachment_response
from tickets.models import Attachment

# Multipart framing around the file: boundaries, headers, small fields.
_MULTIPART_OVERHEAD = 64 * 1024


class TicketAttachmentsView(generics.GenericAPIView):
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [WriteThrottle]

    def get_queryset(self) -> QuerySet[Attachment]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no pk
            return Attachment.objects.none()
        ticket = visible_ticket(self.request, self.kwargs["pk"])
        queryset = ticket.attachments.select_related("uploaded_by", "comment").order_by("created_at", "id")
        if not access.can_see_internal(self.request.user):
            queryset = queryset.exclude(comment__is_internal=True)
        return queryset

    @extend_schema(summary="List a ticket's files", responses={200: AttachmentSerializer(many=True), **ERRORS})
    def get(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Upload a file (multipart field 'file'; 50 MB at most; seed 004's types, checked on the content)",
        description="With virus scanning on, the file is scanned first: an infected file is refused (422, "
        "INFECTED_FILE) and nothing is kept; when clamd cannot be reached it is kept with scan_status "
        "'pending' and downloads only once a later scan finds it clean.",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer,
            413: OpenApiResponse(description="PAYLOAD_TOO_LARGE"),
            415: OpenApiResponse(description="UNSUPPORTED_MEDIA_TYPE"),
            422: OpenApiResponse(description="INFECTED_FILE: the virus scanner found something; nothing was kept"),
            **WRITE_ERRORS,
        },
    )
    def post(self, request: Request, pk: str) -> Response:
        ticket = visible_ticket(request, pk)
        # Refuse an oversized body before reading it.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.ATTACHMENT_MAX_BYTES + _MULTIPART_OVERHEAD:
            limit = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
            raise PayloadTooLarge(f"The file is larger than {limit} MB.", {"file": [f"At most {limit} MB."]})
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed.on("file", "Send the file in the multipart field 'file'.")
        comment = None
        if comment_id := request.data.get("comment_id"):
            comment = ticket.comments.filter(pk=comment_id).first() if str(comment_id).isdigit() else None
            if comment is None:
                raise NotFound("Comment not found.")
        attachment = services.attachment_add(actor=request.user, ticket=ticket, upload=upload, comment=comment)
        return Response(self.get_serializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentViewSet(viewsets.GenericViewSet):
    lookup_value_regex = r"\d{1,18}"
    serializer_class = AttachmentSerializer
    throttle_classes = [WriteThrottle]
    queryset = Attachment.objects.select_related("ticket", "comment", "uploaded_by")

    def get_object(self) -> Attachment:
        attachment = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if not access.can_view_attachment(self.request.user, attachment):
            raise Http404
        return attachment

    @extend_schema(
        summary="Download the file",
        responses={
            (200, "*/*"): OpenApiTypes.BINARY,
            409: OpenApiResponse(description="SCAN_PENDING: not scanned clean yet (virus scanning on)"),
            410: OpenApiResponse(description="FILE_REMOVED: deleted by the virus scanner"),
            **ERRORS,
        },
    )
    def retrieve(self, request: Request, pk: str) -> FileResponse:
        return attachment_response(self.get_object())

    @extend_schema(summary="Delete the file (its uploader or an admin)", responses={204: None, **WRITE_ERRORS})
    def destroy(self, request: Request, pk: str) -> Response:
        services.attachment_delete(actor=request.user, attachment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
