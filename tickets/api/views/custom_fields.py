"""``/custom-fields``: the custom field definitions the caller sees, so clients can build their forms."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tickets.api.serializers import CustomFieldDefinitionSerializer, category_key
from tickets.custom_fields import fields_visible_to
from tickets.models import Category


class CustomFieldListView(APIView):
    @extend_schema(
        summary="The custom fields you see (customers: the customer-visible ones), in form order",
        parameters=[OpenApiParameter("category", str, description="Only the fields tickets of this category carry.")],
        responses={200: CustomFieldDefinitionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        fields = fields_visible_to(request.user)
        slugs = dict(Category.objects.values_list("pk", "slug"))
        if wanted := request.query_params.get("category"):
            key = category_key(wanted)
            ids = [pk for pk, slug in slugs.items() if slug == key]
            fields = tuple(spec for spec in fields if any(spec.applies_to(pk) for pk in ids))
        rows = [
            {
                "key": spec.key,
                "label": spec.label,
                "type": spec.type,
                "choices": list(spec.choices),
                "categories": sorted(slugs[pk] for pk in spec.category_ids if pk in slugs),
                "required": spec.required,
                "customer_visible": spec.customer_visible,
                "help_text": spec.help_text,
            }
            for spec in fields
        ]
        return Response(CustomFieldDefinitionSerializer(rows, many=True).data)
