"""The enterprise's own way in: invitation links and one-time codes (once, in time)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.enterprises import services_access as acc

pytestmark = pytest.mark.django_db


def test_an_invitation_opens_once(ent, now):
    issued = acc.invitation_create(actor=ent.officer, now=now, enterprise=ent.acme)
    assert issued.access.secret_hash != issued.secret  # only the hash is stored
    assert acc.invitation_use(token=issued.secret, now=now) == ent.acme
    with pytest.raises(Exception) as info:
        acc.invitation_use(token=issued.secret, now=now)
    assert info.value.code == "link_used" and "已使用" in info.value.message


def test_an_expired_or_unknown_link_is_refused(ent, now):
    issued = acc.invitation_create(actor=ent.officer, now=now, enterprise=ent.acme, days=1)
    with pytest.raises(Exception) as info:
        acc.invitation_use(token=issued.secret, now=now + timedelta(days=2))
    assert info.value.code == "link_expired"
    with pytest.raises(Exception) as info:
        acc.invitation_use(token="nonsense", now=now)
    assert info.value.code == "link_invalid"


def test_another_officer_cannot_invite(ent, now):
    with pytest.raises(Exception) as info:
        acc.invitation_create(actor=ent.other_officer, now=now, enterprise=ent.acme)
    assert info.value.code == "not_your_enterprise"


def test_one_time_code_with_the_registered_mobile(ent, now):
    with pytest.raises(Exception) as info:
        acc.code_send(credit_code=ent.acme.credit_code, phone="13999999999", now=now)
    assert info.value.code == "code_invalid"
    issued = acc.code_send(credit_code=ent.acme.credit_code, phone="13800001111", now=now)
    wrong = "000000" if issued.secret != "000000" else "111111"
    with pytest.raises(Exception) as info:
        acc.code_verify(credit_code=ent.acme.credit_code, phone="13800001111", code=wrong, now=now)
    assert info.value.code == "code_invalid"
    issued.access.refresh_from_db()
    assert issued.access.attempts == 1  # the wrong try is counted
    got = acc.code_verify(
        credit_code=ent.acme.credit_code, phone="13800001111", code=issued.secret, now=now
    )
    assert got == ent.acme
    with pytest.raises(Exception) as info:
        acc.code_verify(
            credit_code=ent.acme.credit_code, phone="13800001111", code=issued.secret, now=now
        )
    assert info.value.code == "link_used"


def test_five_wrong_codes_end_it(ent, now):
    issued = acc.code_send(credit_code=ent.acme.credit_code, phone="13800001111", now=now)
    wrong = "000000" if issued.secret != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(Exception):
            acc.code_verify(
                credit_code=ent.acme.credit_code, phone="13800001111", code=wrong, now=now
            )
    with pytest.raises(Exception) as info:
        acc.code_verify(
            credit_code=ent.acme.credit_code, phone="13800001111", code=issued.secret, now=now
        )
    assert info.value.code == "link_expired"
