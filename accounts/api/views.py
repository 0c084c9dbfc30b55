"""Auth (JWT) and people endpoints."""

from __future__ import annotations

import django_filters
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from accounts import services
from accounts.api.serializers import (
    LoginSerializer,
    OrganizationSerializer,
    ProfileSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TeamSerializer,
    TokenPairSerializer,
    UserSerializer,
    UserWriteSerializer,
)
from accounts.models import Organization, Team, User
from accounts.roles import parse_role
from accounts.tokens import IdentityRefreshToken, IdentityTokenRefreshSerializer
from helpdesk.api.fields import parse_id
from helpdesk.api.filters import MultiValueFilter
from helpdesk.api.permissions import IsStaffRole, StaffReadAdminWrite
from helpdesk.api.throttling import AuthThrottle, WriteThrottle


def _token_pair(user: User) -> dict:
    refresh = IdentityRefreshToken.for_user(user)
    return TokenPairSerializer({"access": str(refresh.access_token), "refresh": str(refresh), "user": user}).data


class RegisterView(APIView):
    """Create a customer account and sign it in."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=RegisterSerializer,
        responses={201: TokenPairSerializer, 409: OpenApiResponse(description="CONFLICT: email already registered")},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        user = services.user_register(
            email=fields["email"],
            password=fields["password"],
            full_name=fields.get("full_name") or fields.get("username", ""),
        )
        return Response(_token_pair(user), status=status.HTTP_201_CREATED)


class LoginView(APIView):
    """Exchange email and password for an access and a refresh token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(request=LoginSerializer, responses={200: TokenPairSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, username=data.validated_data["email"], password=data.validated_data["password"])
        if user is None or not user.is_active:
            raise AuthenticationFailed("Invalid email or password.")
        update_last_login(None, user)
        return Response(_token_pair(user))


class RefreshView(TokenRefreshView):
    """Exchange a refresh token for a new pair; the old refresh token stops working."""

    authentication_classes: list = []
    throttle_classes = [AuthThrottle]
    serializer_class = IdentityTokenRefreshSerializer


class LogoutView(APIView):
    """Blacklist a refresh token so it can never be used again."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(request=RefreshSerializer, responses={204: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            RefreshToken(data.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken(str(exc)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UserSerializer, tags=["auth"])
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=ProfileSerializer, responses=UserSerializer, tags=["auth"])
    def patch(self, request: Request) -> Response:
        data = ProfileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        request.user.full_name = data.validated_data["full_name"].strip()
        request.user.save(update_fields=["full_name"])
        return Response(UserSerializer(request.user).data)


class UserFilter(django_filters.FilterSet):
    role = MultiValueFilter(field_name="role", parse=parse_role)
    organization = MultiValueFilter(field_name="organization_id", parse=parse_id)
    team = MultiValueFilter(field_name="teams", parse=parse_id)
    is_active = django_filters.BooleanFilter()
    is_available = django_filters.BooleanFilter()
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = User
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(email__icontains=value) | Q(full_name__icontains=value))


class UserViewSet(viewsets.ModelViewSet):
    """People. Staff read; admins create, change and deactivate (DELETE deactivates)."""

    lookup_value_regex = r"\d{1,18}"
    permission_classes = [StaffReadAdminWrite]
    throttle_classes = [WriteThrottle]
    serializer_class = UserSerializer
    filterset_class = UserFilter
    queryset = User.objects.select_related("organization").prefetch_related("teams").order_by("email")

    @extend_schema(
        request=UserWriteSerializer,
        responses={201: UserSerializer, 409: OpenApiResponse(description="CONFLICT: email already registered")},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = UserWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "is_active"}
        # Without a password the account cannot log in until one is set (as a guest requester's).
        user = services.user_create(password=fields.pop("password", None), **fields)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserWriteSerializer, responses=UserSerializer)
    def update(self, request: Request, *args, **kwargs) -> Response:
        user = self.get_object()
        data = UserWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("email", None)  # the login does not change here
        if (password := fields.pop("password", None)) is not None:
            services.user_set_password(user=user, password=password)
        for name, value in fields.items():
            setattr(user, name, value)
        if fields:
            user.save(update_fields=list(fields))
        return Response(UserSerializer(self.get_queryset().get(pk=user.pk)).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.user_deactivate(user=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgentViewSet(viewsets.ReadOnlyModelViewSet):
    """Staff who can work tickets (agents, team leads, managers, admins)."""

    lookup_value_regex = r"\d{1,18}"
    permission_classes = [IsStaffRole]
    serializer_class = UserSerializer
    filterset_class = UserFilter
    queryset = User.objects.staff().select_related("organization").prefetch_related("teams").order_by("email")


class TeamViewSet(viewsets.ModelViewSet):
    lookup_value_regex = r"\d{1,18}"
    permission_classes = [StaffReadAdminWrite]
    throttle_classes = [WriteThrottle]
    serializer_class = TeamSerializer
    queryset = Team.objects.select_related("lead").prefetch_related("members").order_by("name")


class OrganizationViewSet(viewsets.ModelViewSet):
    lookup_value_regex = r"\d{1,18}"
    permission_classes = [StaffReadAdminWrite]
    throttle_classes = [WriteThrottle]
    serializer_class = OrganizationSerializer
    queryset = Organization.objects.order_by("name")
