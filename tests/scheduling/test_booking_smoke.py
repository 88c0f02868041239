from datetime import time

import pytest
from django.core.exceptions import ValidationError

from ketacare.scheduling.models import Appointment
from tests.scheduling import builders as b

pytestmark = pytest.mark.django_db


def test_a_chair_is_booked_once(practice_a):
    chairs = b.open_clinic(practice_a)
    iv = b.iv_type(practice_a)
    b.set_ratio(practice_a, 2)
    monday = b.next_weekday(0)
    b.book(practice_a, iv, b.local(monday, time(9)), space=chairs[0])
    from tests.factories import PatientFactory

    other = PatientFactory(organisation=practice_a.organisation)
    with pytest.raises(ValidationError) as refused:
        b.book(practice_a, iv, b.local(monday, time(10)), space=chairs[0], patient=other)
    assert "Chair 1 is taken" in refused.value.message_dict["space"][0]
    assert Appointment.objects.count() == 1
