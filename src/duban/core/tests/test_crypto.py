"""Personal data at rest: the encrypted field's tokens and the keyed look-up hash."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from duban.core import crypto


def test_round_trip_and_randomised():
    a, b = crypto.encrypt("13800001111"), crypto.encrypt("13800001111")
    assert a != b and a.startswith(f"enc1:{crypto.current_key_id()}:")
    assert "13800001111" not in a
    assert crypto.decrypt(a) == crypto.decrypt(b) == "13800001111"


def test_blank_and_plain_values_pass_through():
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""
    assert crypto.decrypt("张三") == "张三"  # a row written before encryption


def test_rotation_reads_old_tokens_and_writes_with_the_first_key(settings):
    old = crypto.generate_key("k1")
    settings.DUBAN_DATA_KEY = old
    token = crypto.encrypt("李四")
    settings.DUBAN_DATA_KEY = f"{crypto.generate_key('k2')},{old}"
    assert crypto.decrypt(token) == "李四"
    assert crypto.key_id_of(crypto.encrypt("李四")) == "k2"
    settings.DUBAN_DATA_KEY = crypto.generate_key("k3")
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(token)


def test_phone_hash_normalises_and_is_keyed(settings):
    assert crypto.phone_hash("138-0000 1111") == crypto.phone_hash("13800001111")
    assert crypto.phone_hash("") == ""
    before = crypto.phone_hash("13800001111")
    settings.DUBAN_LOOKUP_KEY = "another key"
    assert crypto.phone_hash("13800001111") != before


def test_production_without_keys_refuses(settings, monkeypatch):
    monkeypatch.setattr(crypto, "_development", lambda: False)
    settings.DUBAN_DATA_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
