"""Units (paths, subtrees), user scope and API tokens."""

from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from duban.core.errors import NotFound
from duban.org.models import ApiToken, Role, Unit, UnitKind
from duban.org.selectors import user_by_username
from duban.org.services import (
    TOKEN_PREFIX,
    InvalidUnit,
    TokenExpired,
    TokenRevoked,
    token_authenticate,
    token_create,
    token_revoke,
    unit_create,
    user_create,
)
from duban.sla.calendar import LOCAL_TZ

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 11, 14, 9, tzinfo=LOCAL_TZ)


@pytest.fixture
def tree() -> dict[str, Unit]:
    district = unit_create(code="d", name="示范区", kind=UnitKind.DISTRICT)
    centre = unit_create(code="c", name="12345中心", kind=UnitKind.CENTRE, parent=district)
    street = unit_create(code="s1", name="东街道", kind=UnitKind.STREET, parent=district)
    community = unit_create(code="s1c1", name="幸福社区", kind=UnitKind.COMMUNITY, parent=street)
    other = unit_create(code="s2", name="西街道", kind=UnitKind.STREET, parent=district)
    return {
        "district": district,
        "centre": centre,
        "street": street,
        "community": community,
        "other": other,
    }


class TestUnits:
    def test_paths_and_depths(self, tree: dict[str, Unit]) -> None:
        d, s, c = tree["district"], tree["street"], tree["community"]
        assert d.path == f"{d.pk:06d}/" and d.depth == 0
        assert s.path == f"{d.pk:06d}/{s.pk:06d}/" and s.depth == 1
        assert c.path == s.path + f"{c.pk:06d}/" and c.depth == 2
        assert c.district_path == d.path
        assert Unit.objects.get(pk=c.pk).path == c.path  # persisted

    def test_subtree(self, tree: dict[str, Unit]) -> None:
        assert set(Unit.objects.subtree(tree["street"])) == {tree["street"], tree["community"]}
        assert Unit.objects.subtree(tree["district"]).count() == 5
        assert tree["community"].is_within(tree["street"])
        assert not tree["other"].is_within(tree["street"])

    def test_only_a_district_may_be_a_root(self) -> None:
        with pytest.raises(InvalidUnit, match="district"):
            unit_create(code="x", name="孤儿街道", kind=UnitKind.STREET)
        assert not Unit.objects.filter(code="x").exists()


class TestScope:
    def test_district_wide_roles_see_the_district(self, tree: dict[str, Unit]) -> None:
        operator = user_create(username="op", role=Role.OPERATOR, unit=tree["centre"])
        assert operator.scope_path == tree["district"].path
        assert operator.can_see_unit(tree["community"]) and operator.can_see_unit(tree["other"])
        assert operator.sees_personal_data

    def test_unit_roles_see_their_subtree(self, tree: dict[str, Unit]) -> None:
        handler = user_create(username="h", role=Role.HANDLER, unit=tree["street"])
        assert handler.scope_path == tree["street"].path
        assert handler.can_see_unit(tree["community"])
        assert not handler.can_see_unit(tree["other"])
        assert not handler.can_see_unit(tree["district"])
        assert not handler.can_see_unit(None)
        assert not handler.sees_personal_data

    def test_no_unit_sees_nothing(self, tree: dict[str, Unit]) -> None:
        from duban.org.models import User

        loner = User.objects.create(username="loner", role=Role.LEADER)
        assert loner.scope_path is None
        assert not loner.can_see_unit(tree["district"])

    def test_user_by_username(self, tree: dict[str, Unit]) -> None:
        user_create(username="h", role=Role.HANDLER, unit=tree["street"], password="pw-long-enough")
        assert user_by_username("h").unit == tree["street"]
        with pytest.raises(NotFound, match="nobody"):
            user_by_username("nobody")


class TestTokens:
    @pytest.fixture
    def handler(self, tree: dict[str, Unit]):
        return user_create(username="h", role=Role.HANDLER, unit=tree["street"])

    def test_create_stores_only_a_digest(self, handler) -> None:
        token, secret = token_create(user=handler, now=NOW, name="gis")
        assert secret.startswith(TOKEN_PREFIX)
        assert token.prefix == secret[:12]
        stored = ApiToken.objects.get(pk=token.pk)
        assert secret not in (stored.digest, stored.prefix, stored.name)
        assert len(stored.digest) == 64

    def test_authenticate(self, handler) -> None:
        token, secret = token_create(user=handler, now=NOW)
        later = NOW + timedelta(hours=1)
        assert token_authenticate(secret=secret, now=later) == handler
        assert ApiToken.objects.get(pk=token.pk).last_used_at == later
        assert token_authenticate(secret=secret + "x", now=later) is None

    def test_last_use_is_written_at_most_once_a_minute(self, handler) -> None:
        token, secret = token_create(user=handler, now=NOW)
        token_authenticate(secret=secret, now=NOW)
        token_authenticate(secret=secret, now=NOW + timedelta(seconds=59))
        assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW
        token_authenticate(secret=secret, now=NOW + timedelta(seconds=60))
        assert ApiToken.objects.get(pk=token.pk).last_used_at == NOW + timedelta(seconds=60)

    def test_revoked_or_inactive(self, handler) -> None:
        token, secret = token_create(user=handler, now=NOW)
        token_revoke(token=token, actor=None, now=NOW)
        with pytest.raises(TokenRevoked):
            token_authenticate(secret=secret, now=NOW)
        token_revoke(token=token, actor=None, now=NOW + timedelta(hours=1))  # idempotent
        assert ApiToken.objects.get(pk=token.pk).revoked_at == NOW
        _, other = token_create(user=handler, now=NOW)
        handler.is_active = False
        handler.save(update_fields=["is_active"])
        assert token_authenticate(secret=other, now=NOW) is None

    def test_expiry(self, handler) -> None:
        token, secret = token_create(user=handler, now=NOW, days=30)
        assert token.expires_at == NOW + timedelta(days=30)
        assert token_authenticate(secret=secret, now=NOW + timedelta(days=29)) == handler
        with pytest.raises(TokenExpired) as caught:
            token_authenticate(secret=secret, now=NOW + timedelta(days=30))
        assert (caught.value.status, caught.value.code) == (401, "token_expired")

    def test_default_validity_comes_from_the_settings(self, handler, settings) -> None:
        settings.DUBAN_API_TOKEN_DAYS = 7
        token, _ = token_create(user=handler, now=NOW)
        assert token.expires_at == NOW + timedelta(days=7)


class TestTokenCommand:
    def test_prints_a_working_token(
        self, tree: dict[str, Unit], capsys: pytest.CaptureFixture[str]
    ) -> None:
        user = user_create(username="h", role=Role.HANDLER, unit=tree["street"])
        call_command("token", "create", "--user", "h", "--name", "gis")
        secret = capsys.readouterr().out.strip()
        assert token_authenticate(secret=secret, now=NOW) == user
        assert ApiToken.objects.get(user=user).name == "gis"

    def test_days_list_and_revoke(
        self, tree: dict[str, Unit], capsys: pytest.CaptureFixture[str]
    ) -> None:
        user_create(username="h", role=Role.HANDLER, unit=tree["street"])
        call_command("token", "create", "--user", "h", "--days", "3")
        secret = capsys.readouterr().out.strip()
        call_command("token", "list", "--user", "h")
        assert "active" in capsys.readouterr().out
        call_command("token", "revoke", secret[:12])
        capsys.readouterr()
        with pytest.raises(TokenRevoked):
            token_authenticate(secret=secret, now=NOW)
        call_command("token", "list")
        assert "revoked" in capsys.readouterr().out

    def test_unknown_user(self) -> None:
        with pytest.raises(CommandError, match="no such user: ghost"):
            call_command("token", "create", "--user", "ghost")


@pytest.mark.parametrize("model", ["unit", "user", "apitoken"])
def test_admin_changelists_render(admin_client, tree: dict[str, Unit], model: str) -> None:
    assert admin_client.get(f"/admin/org/{model}/").status_code == 200
