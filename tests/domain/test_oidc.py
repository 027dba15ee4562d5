from uidp.domain.levels import AssuranceLevel
from uidp.domain.oidc import SCOPES, acr_of, amr_of, level_of_acr


def test_each_level_has_its_own_acr_and_back():
    values = [acr_of(level) for level in AssuranceLevel]
    assert len(set(values)) == 3
    assert [level_of_acr(value) for value in values] == list(AssuranceLevel)
    assert level_of_acr("urn:uidp:level:4") is None and level_of_acr("") is None


def test_amr_names_the_channel_first():
    assert amr_of("password") == ["password", "pwd"]
    assert amr_of("agent")[0] == "agent"
    assert amr_of("someplugin") == ["someplugin"]


def test_every_scope_releases_claims_and_says_so_in_chinese():
    assert "openid" in SCOPES
    for scope in SCOPES.values():
        assert scope.claims and scope.label and not scope.label.isascii()
