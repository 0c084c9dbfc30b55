"""``/api/v1/reports/subscriptions``: a staff member's scheduled report emails, their own only.

Anyone who may see reports (agents, team leads, managers, admins) may subscribe; the email's
figures are always those of their own report scope (reports/scope.py), and a team filter
outside it is refused. Another person's subscription is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from helpdesk.api.throttling import WriteThrottle
from reports.api.views import ReportPermission
from reports.models import WEEKDAYS, Frequency, ReportSubscription
from reports.params import ReportParamsSerializer, local_iso
from reports.schedule import next_due
from reports.scope import teams_outside_scope
from reports.subscriptions import MAX_PER_USER, subscription_delete, subscription_save, subscriptions_of
from tickets.models import EmailStatus

FILTERS = ("team", "category", "priority")


class ReportSubscriptionSerializer(serializers.ModelSerializer):
    frequency = serializers.ChoiceField(Frequency.choices, required=False, help_text="daily or weekly.")
    weekday = serializers.ChoiceField(
        list(WEEKDAYS), required=False, help_text="Weekly emails: the day they are sent (monday..sunday)."
    )
    hour = serializers.IntegerField(
        min_value=0, max_value=23, required=False, help_text="Local hour (TIME_ZONE) from which it is sent."
    )
    time_zone = serializers.SerializerMethodField()
    next_send_at = serializers.SerializerMethodField()
    last_sent_at = serializers.SerializerMethodField()

    class Meta:
        model = ReportSubscription
        fields = [
            "id",
            "frequency",
            "weekday",
            "hour",
            "active",
            "time_zone",
            "next_send_at",
            "last_sent_at",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def get_fields(self) -> dict[str, serializers.Field]:
        # The filters are the reports' own parameter fields (repeated or comma-separated), so both always agree.
        fields = super().get_fields()
        report_fields = ReportParamsSerializer().get_fields()
        return {**fields, **{name: report_fields[name] for name in FILTERS}}

    def get_time_zone(self, subscription: ReportSubscription) -> str:
        return timezone.get_default_timezone_name()

    def get_next_send_at(self, subscription: ReportSubscription) -> str | None:
        """When the next email goes out (None while inactive)."""
        if not subscription.active:
            return None
        schedule = {"frequency": subscription.frequency, "weekday": subscription.weekday, "hour": subscription.hour}
        return local_iso(next_due(**schedule, now=timezone.now()))

    def get_last_sent_at(self, subscription: ReportSubscription) -> str | None:
        return local_iso(getattr(subscription, "last_sent_at", None))

    def to_representation(self, subscription: ReportSubscription) -> dict[str, Any]:
        data = super().to_representation(subscription)
        data["weekday"] = WEEKDAYS[subscription.weekday]
        for name in FILTERS:
            data[name] = list(subscription.filters.get(name, []))
        return data

    def validate_team(self, ids: tuple[int, ...]) -> tuple[int, ...]:
        ids = ReportParamsSerializer().validate_team(ids)
        if outside := teams_outside_scope(self.context["request"].user, ids):
            raise serializers.ValidationError(f"Team {outside[0]} is not one of yours: your reports cover your teams.")
        return ids

    def validate_category(self, keys: tuple[str, ...]) -> tuple[str, ...]:
        return ReportParamsSerializer().validate_category(keys)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        if self.instance is None and subscriptions_of(user).count() >= MAX_PER_USER:
            raise serializers.ValidationError(f"You have {MAX_PER_USER} subscriptions already; delete one first.")
        changes: dict[str, Any] = {}
        if "weekday" in attrs:
            changes["weekday"] = WEEKDAYS.index(attrs.pop("weekday"))
        filters = dict(self.instance.filters) if self.instance else {}
        for name in FILTERS:
            if name in attrs:
                filters[name] = list(attrs.pop(name))
        changes["filters"] = {name: values for name, values in filters.items() if values}
        return {**attrs, **changes}

    def create(self, validated_data: dict[str, Any]) -> ReportSubscription:
        subscription = ReportSubscription(user=self.context["request"].user)
        return subscription_save(subscription=subscription, changes=validated_data)

    def update(self, instance: ReportSubscription, validated_data: dict[str, Any]) -> ReportSubscription:
        return subscription_save(subscription=instance, changes=validated_data)


@extend_schema_view(
    list=extend_schema(summary="Your scheduled report emails"),
    create=extend_schema(
        summary="Subscribe to the dashboard figures by email",
        description="Daily (the day before) or weekly (the seven days before `weekday`), sent from `hour` o'clock "
        "in the server's time zone, once per period, with the figures as a CSV attachment. The figures are those "
        "of your report scope, narrowed by the optional filters; the first email is the first period due after "
        "you subscribe. Customers get 403.",
    ),
    retrieve=extend_schema(summary="One of your scheduled report emails"),
    partial_update=extend_schema(summary="Change a scheduled report email (active=false pauses it)"),
    update=extend_schema(summary="Replace a scheduled report email"),
    destroy=extend_schema(summary="Unsubscribe"),
)
class ReportSubscriptionViewSet(viewsets.ModelViewSet):
    lookup_value_regex = r"\d{1,18}"
    serializer_class = ReportSubscriptionSerializer
    permission_classes = [IsAuthenticated, ReportPermission]
    throttle_classes = [WriteThrottle]

    def get_queryset(self) -> QuerySet[ReportSubscription]:
        if getattr(self, "swagger_fake_view", False):
            return ReportSubscription.objects.none()
        sent = Q(deliveries__email_status=EmailStatus.SENT)
        return (
            subscriptions_of(self.request.user)
            .annotate(last_sent_at=Max("deliveries__email_sent_at", filter=sent))
            .order_by("created_at", "id")
        )

    def perform_destroy(self, instance: ReportSubscription) -> None:
        subscription_delete(subscription=instance)
