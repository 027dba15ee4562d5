from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('uidp', '0009_delegation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OidcAuthorization',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('client_id', fields.UUIDField(db_index=True)),
                ('subject_kind', fields.CharField(max_length=16)),
                ('subject_id', fields.UUIDField(db_index=True)),
                ('session_id', fields.UUIDField(null=True, db_index=True)),
                ('actor_id', fields.UUIDField(null=True)),
                ('grant_id', fields.UUIDField(null=True, db_index=True)),
                ('scopes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('claims', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('acr', fields.CharField(max_length=64)),
                ('amr', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('auth_time', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('dpop_jkt', fields.CharField(null=True, max_length=64)),
                ('code_digest', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_reason', fields.CharField(null=True, max_length=32)),
                ('logout_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oidc_authorization', 'app': 'uidp', 'pk_attr': 'id', 'table_description': 'One completed authorization: what a client was given for whom. Its tokens form one family, revoked'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OidcClient',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('client_id', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=100)),
                ('profile', fields.CharField(max_length=8)),
                ('redirect_uris', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('post_logout_redirect_uris', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('jwks', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('jwks_uri', fields.CharField(null=True, max_length=500)),
                ('secret_digest', fields.CharField(null=True, max_length=64)),
                ('scopes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('claims', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('min_level', fields.SmallIntField(default=1)),
                ('backchannel_logout_uri', fields.CharField(null=True, max_length=500)),
                ('event_uri', fields.CharField(null=True, max_length=500)),
                ('event_types', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('sector_id', fields.CharField(max_length=64)),
                ('disabled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oidc_client', 'app': 'uidp', 'pk_attr': 'id', 'table_description': 'A connected system, registered and managed by staff.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OidcConsent',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('subject_kind', fields.CharField(max_length=16)),
                ('subject_id', fields.UUIDField(db_index=True)),
                ('client_id', fields.UUIDField(db_index=True)),
                ('scopes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('claims', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('granted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oidc_consent', 'app': 'uidp', 'unique_together': (('subject_id', 'client_id'),), 'pk_attr': 'id', 'table_description': "What a person (or an entity's session) agreed that a client may receive, remembered, listed and revocable."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OidcSigningKey',
            fields=[
                ('kid', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('alg', fields.CharField(max_length=8)),
                ('private_sealed', fields.TextField(unique=False)),
                ('public_jwk', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('retired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('drop_after', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oidc_signing_key', 'app': 'uidp', 'pk_attr': 'kid', 'table_description': "One of the provider's signing keys. The private JWK is sealed with the PII cipher (key id inside)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OidcToken',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('authorization_id', fields.UUIDField(db_index=True)),
                ('kind', fields.CharField(max_length=8)),
                ('digest', fields.CharField(unique=True, max_length=64)),
                ('dpop_jkt', fields.CharField(null=True, max_length=64)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'oidc_token', 'app': 'uidp', 'pk_attr': 'id', 'table_description': 'An access token (by its ``jti``) or a refresh token (by the digest of its opaque value).'},
            bases=['Model'],
        ),
    ]
