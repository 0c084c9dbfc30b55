"""SLA policies and business calendars: input and output shapes."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import (
    BusinessCalendar,
    Category,
    Holiday,
    SLAPolicy,
    SLATarget,
    WorkingHours,
)


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", "example": "09:00"})
class LocalTimeField(serializers.TimeField):
    """A local wall-clock time without a zone (``09:00``); the calendar's zone gives its meaning."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class WorkingHoursSerializer(serializers.ModelSerializer):
    starts_at = LocalTimeField()
    ends_at = LocalTimeField()

    class Meta:
        model = WorkingHours
        fields = ["weekday", "starts_at", "ends_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["starts_at"] >= attrs["ends_at"]:
            raise serializers.ValidationError({"ends_at": ["Working hours end after they start, on the same day."]})
        return attrs


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["date", "name"]


class BusinessCalendarSerializer(serializers.ModelSerializer):
    hours = WorkingHoursSerializer(many=True)
    holidays = HolidaySerializer(many=True, required=False)

    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "time_zone", "hours", "holidays"]
        read_only_fields = ["id"]

    def validate_hours(self, hours: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not hours:
            raise serializers.ValidationError("A calendar needs some working hours.")
        by_day: dict[int, list[tuple]] = {}
        for item in hours:
            by_day.setdefault(item["weekday"], []).append((item["starts_at"], item["ends_at"]))
        for pairs in by_day.values():
            pairs.sort()
            if any(end > start for (_, end), (start, _) in zip(pairs, pairs[1:], strict=False)):
                raise serializers.ValidationError("Working hours of one day must not overlap.")
        return hours

    def _save_children(self, calendar: BusinessCalendar, hours: list | None, holidays: list | None) -> None:
        if hours is not None:
            calendar.hours.all().delete()
            WorkingHours.objects.bulk_create([WorkingHours(calendar=calendar, **item) for item in hours])
        if holidays is not None:
            calendar.holidays.all().delete()
            Holiday.objects.bulk_create([Holiday(calendar=calendar, **item) for item in holidays])

    def create(self, validated: dict[str, Any]) -> BusinessCalendar:
        hours, holidays = validated.pop("hours"), validated.pop("holidays", [])
        calendar = BusinessCalendar.objects.create(**validated)
        self._save_children(calendar, hours, holidays)
        return calendar

    def update(self, calendar: BusinessCalendar, validated: dict[str, Any]) -> BusinessCalendar:
        hours, holidays = validated.pop("hours", None), validated.pop("holidays", None)
        for name, value in validated.items():
            setattr(calendar, name, value)
        calendar.save()
        self._save_children(calendar, hours, holidays)
        return calendar


class SLATargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = SLATarget
        fields = ["priority", "first_response_minutes", "resolution_minutes"]
        # The database's sla_target_positive check, as a 400 instead of an IntegrityError.
        extra_kwargs = {"first_response_minutes": {"min_value": 1}, "resolution_minutes": {"min_value": 1}}


class SLAPolicySerializer(serializers.ModelSerializer):
    targets = SLATargetSerializer(many=True)
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = SLAPolicy
        fields = [
            "id",
            "name",
            "description",
            "position",
            "is_active",
            "category",
            "organization",
            "team",
            "at_risk_percent",
            "targets",
        ]
        read_only_fields = ["id"]
        # The database's sla_at_risk_percent_range check, as a 400 instead of an IntegrityError.
        extra_kwargs = {"at_risk_percent": {"min_value": 1, "max_value": 100}}

    def validate_targets(self, targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        priorities = [target["priority"] for target in targets]
        if len(priorities) != len(set(priorities)):
            raise serializers.ValidationError("One target per priority.")
        return targets

    def create(self, validated: dict[str, Any]) -> SLAPolicy:
        targets = validated.pop("targets")
        policy = SLAPolicy.objects.create(**validated)
        SLATarget.objects.bulk_create([SLATarget(policy=policy, **target) for target in targets])
        return policy

    def update(self, policy: SLAPolicy, validated: dict[str, Any]) -> SLAPolicy:
        targets = validated.pop("targets", None)
        for name, value in validated.items():
            setattr(policy, name, value)
        policy.save()
        if targets is not None:
            policy.targets.all().delete()
            SLATarget.objects.bulk_create([SLATarget(policy=policy, **target) for target in targets])
        return policy
