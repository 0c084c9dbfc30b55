"""Holidays imported from iCalendar files: service, command and admin form."""

from datetime import date, time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from helpdesk.errors import ValidationFailed
from tickets.models import BusinessCalendar, WorkingHours
from tickets.services.calendars import calendar_import_ics

ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Holidays//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:1@test\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261227\r\n"
    b"SUMMARY:Christmas and Boxing\r\n  Day\r\nEND:VEVENT\r\n"
    b"BEGIN:VEVENT\r\nUID:2@test\r\nDTSTART;VALUE=DATE:20260101\r\nSUMMARY:New Year's Day\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


@pytest.fixture
def office(db):
    calendar = BusinessCalendar.objects.create(name="Office", time_zone="Europe/London")
    WorkingHours.objects.create(calendar=calendar, weekday=0, starts_at=time(9), ends_at=time(17))
    return calendar


@pytest.mark.django_db
def test_import_adds_each_day_once_and_again_adds_nothing(office):
    assert calendar_import_ics(calendar=office, data=ICS) == 3
    assert sorted(office.holidays.values_list("date", "name")) == [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 12, 25), "Christmas and Boxing Day"),
        (date(2026, 12, 26), "Christmas and Boxing Day"),
    ]
    assert calendar_import_ics(calendar=office, data=ICS) == 0
    assert date(2026, 12, 26) in BusinessCalendar.objects.get(pk=office.pk).rules.holidays


@pytest.mark.django_db
@pytest.mark.parametrize("data", [b"not a calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"])
def test_bad_files_are_refused_and_change_nothing(office, data):
    with pytest.raises(ValidationFailed):
        calendar_import_ics(calendar=office, data=data)
    assert not office.holidays.exists()


@pytest.mark.django_db
def test_management_command(office, tmp_path, capsys):
    path = tmp_path / "holidays.ics"
    path.write_bytes(ICS)
    call_command("import_holidays", "Office", str(path))
    assert "3 holidays added to Office" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No business calendar"):
        call_command("import_holidays", "Nowhere", str(path))


@pytest.mark.django_db
def test_admin_form_imports_an_uploaded_file(client, admin_user, office):
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    url = f"/admin/tickets/businesscalendar/{office.pk}/change/"
    form = {
        "name": "Office",
        "time_zone": "Europe/London",
        "hours-TOTAL_FORMS": "0",
        "hours-INITIAL_FORMS": "0",
        "holidays-TOTAL_FORMS": "0",
        "holidays-INITIAL_FORMS": "0",
        "holidays_file": SimpleUploadedFile("uk.ics", ICS, content_type="text/calendar"),
    }
    response = client.post(url, form, follow=True)
    assert response.status_code == 200
    assert "3 holidays imported." in response.content.decode()
    assert office.holidays.count() == 3
