"""The reports' JSON answers, described for the OpenAPI schema (the figures are built as plain dicts)."""

from __future__ import annotations

from rest_framework import serializers

from reports.metrics.aging import BUCKETS
from tickets.choices import Priority, Status


class ParamsEchoSerializer(serializers.Serializer):
    """The parameters the figures were computed for, after defaults and normalization."""

    # "from" is a Python keyword: declared in get_fields.
    to = serializers.DateTimeField(help_text="End of the range, excluded, in the server's time zone.")
    time_zone = serializers.CharField(help_text="The time zone local days and buckets are cut in.")
    team = serializers.ListField(child=serializers.IntegerField())
    category = serializers.ListField(child=serializers.CharField())
    priority = serializers.ListField(child=serializers.ChoiceField(choices=Priority.choices))

    def get_fields(self) -> dict[str, serializers.Field]:
        return {"from": serializers.DateTimeField(help_text="Start of the range, included."), **super().get_fields()}


class VolumeParamsEchoSerializer(ParamsEchoSerializer):
    bucket = serializers.CharField(help_text="day, week or month.")
    split = serializers.CharField(
        allow_null=True, help_text="category, priority, team, channel, organization, tag or null."
    )


class ViolationsParamsEchoSerializer(ParamsEchoSerializer):
    limit = serializers.IntegerField()


class ReportFrameSerializer(serializers.Serializer):
    report = serializers.CharField(help_text="The report's name.")
    scope = serializers.CharField(
        help_text="Whose tickets the figures cover: assigned (an agent's own), teams (a team lead's teams and "
        "own assignments) or all (managers and admins)."
    )
    generated_at = serializers.DateTimeField(help_text="When the figures were computed (they are cached briefly).")


class AgingRowSerializer(serializers.Serializer):
    bucket = serializers.CharField(help_text="Age since creation: " + ", ".join(name for name, _ in BUCKETS) + ".")
    priority = serializers.ChoiceField(choices=Priority.choices)
    count = serializers.IntegerField()


class AgingTotalsSerializer(serializers.Serializer):
    by_bucket = serializers.DictField(child=serializers.IntegerField())
    by_priority = serializers.DictField(child=serializers.IntegerField())
    open = serializers.IntegerField(help_text="Open tickets in all.")


class AgingReportSerializer(ReportFrameSerializer):
    params = ParamsEchoSerializer()
    at = serializers.DateTimeField(help_text="The instant the ages are measured at: to, or now if to is later.")
    results = AgingRowSerializer(many=True)
    totals = AgingTotalsSerializer()


class VolumeRowSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="First day of the bucket (a Monday for weeks).")
    category = serializers.CharField(required=False, help_text="With split=category: the category's slug.")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, help_text="With split=priority.")
    team = serializers.CharField(required=False, allow_null=True, help_text="With split=team: its name, or null.")
    channel = serializers.CharField(required=False, help_text="With split=channel.")
    organization = serializers.CharField(required=False, allow_null=True, help_text="With split=organization.")
    tag = serializers.CharField(required=False, allow_null=True, help_text="With split=tag: a tag, or null.")
    created = serializers.IntegerField()
    resolved = serializers.IntegerField(help_text="Resolutions in the bucket.")
    reopened = serializers.IntegerField(help_text="Reopens in the bucket.")
    backlog = serializers.IntegerField(required=False, help_text="Without a split: tickets open at the bucket's end.")


class VolumeTotalsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    resolved = serializers.IntegerField()
    reopened = serializers.IntegerField()


class VolumeReportSerializer(ReportFrameSerializer):
    params = VolumeParamsEchoSerializer()
    results = VolumeRowSerializer(many=True)
    totals = VolumeTotalsSerializer()


class ViolationRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    team = serializers.CharField(allow_null=True, help_text="The team's name.")
    assignee = serializers.EmailField(allow_null=True, help_text="The assignee's email.")
    metrics = serializers.ListField(child=serializers.CharField(), help_text="first_response and/or resolution.")
    first_response_late_minutes = serializers.IntegerField(allow_null=True)
    resolution_late_minutes = serializers.IntegerField(allow_null=True)
    minutes_late = serializers.IntegerField(help_text="The larger of the two; 0 when neither is known.")
    created_at = serializers.DateTimeField()
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    first_responded_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)


class ViolationTotalsSerializer(serializers.Serializer):
    first_response = serializers.IntegerField(help_text="Violations whose first response is breached.")
    resolution = serializers.IntegerField(help_text="Violations whose resolution is breached.")


class ViolationsReportSerializer(ReportFrameSerializer):
    params = ViolationsParamsEchoSerializer()
    count = serializers.IntegerField(help_text="Violations in all.")
    limit = serializers.IntegerField()
    truncated = serializers.BooleanField(help_text="True when count > limit: the CSV export has every row.")
    totals = ViolationTotalsSerializer()
    results = ViolationRowSerializer(many=True)


class SlaRowSerializer(serializers.Serializer):
    dimension = serializers.CharField(help_text="priority, policy or team (all for the totals).")
    key = serializers.JSONField(allow_null=True, help_text="The priority's value, or the policy's or team's id.")
    label = serializers.CharField()
    first_response_judged = serializers.IntegerField()
    first_response_met = serializers.IntegerField()
    first_response_percent = serializers.FloatField(allow_null=True)
    resolution_judged = serializers.IntegerField()
    resolution_met = serializers.IntegerField()
    resolution_percent = serializers.FloatField(allow_null=True)


class SlaReportSerializer(ReportFrameSerializer):
    params = ParamsEchoSerializer()
    results = SlaRowSerializer(many=True)
    totals = SlaRowSerializer()


class DurationSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Clocks stopped in the range with a stored duration.")
    mean = serializers.FloatField(allow_null=True, help_text="Minutes of the policy's business time.")
    median = serializers.FloatField(allow_null=True, help_text="Minutes of the policy's business time.")
    p90 = serializers.FloatField(allow_null=True, help_text="90th percentile, minutes of the policy's business time.")


class ComplianceSerializer(serializers.Serializer):
    first_response = serializers.FloatField(allow_null=True)
    resolution = serializers.FloatField(allow_null=True)
    overall = serializers.FloatField(allow_null=True)


class SatisfactionSerializer(serializers.Serializer):
    mean = serializers.FloatField(allow_null=True, help_text="Mean score, 1 to 5.")
    count = serializers.IntegerField()
    good_percent = serializers.FloatField(allow_null=True, help_text="Share of the ratings that were 4 or 5, %.")


class OneTouchSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Resolutions after exactly one public staff reply.")
    percent = serializers.FloatField(allow_null=True, help_text="Their share of the resolutions, %.")


class MetricRowSerializer(serializers.Serializer):
    metric = serializers.CharField(help_text="A figure's dotted name, e.g. by_status.open or first_response.median.")
    value = serializers.JSONField(allow_null=True)


class DashboardReportSerializer(ReportFrameSerializer):
    params = ParamsEchoSerializer()
    created = serializers.IntegerField()
    resolved = serializers.IntegerField()
    unassigned = serializers.IntegerField(help_text="Active tickets without an assignee, now.")
    overdue = serializers.IntegerField(help_text="Active tickets whose SLA is breached, now.")
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_priority = serializers.DictField(child=serializers.IntegerField())
    first_response = DurationSerializer()
    resolution = DurationSerializer()
    sla_compliance = ComplianceSerializer()
    satisfaction = SatisfactionSerializer()
    reopened = serializers.IntegerField(help_text="Tickets reopened in the range, each once.")
    one_touch = OneTouchSerializer()
    replies_per_ticket = serializers.FloatField(allow_null=True, help_text="Mean public staff replies per resolution.")
    requester_wait = DurationSerializer(help_text="Wall minutes resolved tickets waited on the desk.")
    paused_mean = serializers.FloatField(
        allow_null=True, help_text="Mean wall minutes resolved tickets waited on the requester or others."
    )
    results = MetricRowSerializer(many=True)


class AgentRowSerializer(serializers.Serializer):
    agent_id = serializers.IntegerField()
    agent = serializers.CharField()
    email = serializers.EmailField()
    assigned = serializers.IntegerField()
    resolved = serializers.IntegerField()
    median_first_response = serializers.FloatField(allow_null=True)
    median_resolution = serializers.FloatField(allow_null=True)
    sla_percent = serializers.FloatField(allow_null=True)
    reopen_rate = serializers.FloatField(allow_null=True)
    satisfaction = serializers.FloatField(allow_null=True)
    ratings = serializers.IntegerField()
    p90_first_response = serializers.FloatField(allow_null=True)
    p90_resolution = serializers.FloatField(allow_null=True)
    good_percent = serializers.FloatField(allow_null=True, help_text="Share of the ratings that were 4 or 5, %.")
    one_touch_percent = serializers.FloatField(allow_null=True, help_text="Resolutions after one public reply, %.")
    replies_per_ticket = serializers.FloatField(allow_null=True, help_text="Mean public staff replies per resolution.")


class AgentsReportSerializer(ReportFrameSerializer):
    params = ParamsEchoSerializer()
    results = AgentRowSerializer(many=True)


class ArrivalRowSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="1 = Monday ... 7 = Sunday, local.")
    hour = serializers.IntegerField(help_text="0 to 23, local.")
    count = serializers.IntegerField()


class ArrivalTotalsSerializer(serializers.Serializer):
    by_weekday = serializers.DictField(child=serializers.IntegerField())
    by_hour = serializers.DictField(child=serializers.IntegerField())
    created = serializers.IntegerField()


class BusiestSerializer(serializers.Serializer):
    weekday = serializers.IntegerField()
    hour = serializers.IntegerField()


class ArrivalsReportSerializer(ReportFrameSerializer):
    params = ParamsEchoSerializer()
    results = ArrivalRowSerializer(many=True)
    totals = ArrivalTotalsSerializer()
    busiest = BusiestSerializer(allow_null=True)
