"""Seed 001's Zendesk users and organizations (``integrations.api.zendesk``): managers and admins only."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from integrations.api.access import IsManagerRole
from integrations.api.common import CONNECTION_PARAMETER, REMOTE_ERRORS, remote_errors
from integrations.api.serializers import (
    ORGANIZATION_FIELDS,
    USER_FIELDS,
    ZendeskOrganizationPageSerializer,
    ZendeskOrganizationSerializer,
    ZendeskUserCreateSerializer,
    ZendeskUserPageSerializer,
    ZendeskUserSerializer,
    subset,
)
from integrations.api.zendesk import (
    PAGING,
    TAGS,
    ZendeskView,
    page_size,
    paged,
    query_values,
)


class UsersView(ZendeskView):
    permission_classes = [IsManagerRole]

    @extend_schema(
        operation_id="zendesk_users_list",
        summary="Zendesk users, one page",
        parameters=[
            CONNECTION_PARAMETER,
            *PAGING,
            OpenApiParameter("role", OpenApiTypes.STR, required=False, enum=("end-user", "agent", "admin")),
        ],
        responses={200: ZendeskUserPageSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        roles = query_values(request, "role", ("end-user", "agent", "admin"))
        filters = {"role[]": roles} if roles else {}
        with remote_errors():
            page = self.zendesk.cursor_page(
                "users.json", "users", size=page_size(request), cursor=request.query_params.get("cursor"), **filters
            )
        return paged(request, page, USER_FIELDS)

    @extend_schema(
        summary="Create a Zendesk user",
        parameters=[CONNECTION_PARAMETER],
        request=ZendeskUserCreateSerializer,
        responses={201: ZendeskUserSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        data = ZendeskUserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with remote_errors():
            user = self.zendesk.create_user(dict(data.validated_data))
        return Response(subset(user, USER_FIELDS), status=status.HTTP_201_CREATED)


class UserDetailView(ZendeskView):
    permission_classes = [IsManagerRole]

    @extend_schema(
        summary="A Zendesk user",
        parameters=[CONNECTION_PARAMETER],
        responses={200: ZendeskUserSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request, user_id: str) -> Response:
        with remote_errors():
            return Response(subset(self.zendesk.get_user(int(user_id)), USER_FIELDS))


class OrganizationsView(ZendeskView):
    permission_classes = [IsManagerRole]

    @extend_schema(
        operation_id="zendesk_organizations_list",
        summary="Zendesk organizations, one page",
        parameters=[CONNECTION_PARAMETER, *PAGING],
        responses={200: ZendeskOrganizationPageSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        with remote_errors():
            page = self.zendesk.cursor_page(
                "organizations.json",
                "organizations",
                size=page_size(request),
                cursor=request.query_params.get("cursor"),
            )
        return paged(request, page, ORGANIZATION_FIELDS)


class OrganizationDetailView(ZendeskView):
    permission_classes = [IsManagerRole]

    @extend_schema(
        summary="A Zendesk organization",
        parameters=[CONNECTION_PARAMETER],
        responses={200: ZendeskOrganizationSerializer, **REMOTE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request, organization_id: str) -> Response:
        with remote_errors():
            return Response(subset(self.zendesk.get_organization(int(organization_id)), ORGANIZATION_FIELDS))
