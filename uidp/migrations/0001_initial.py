from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from uidp.models.credential import CredentialKind
from uidp.models.person import PersonSource, PersonStatus
from uidp.models.upload import DocumentKind
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('event_type', fields.CharField(db_index=True, max_length=48)),
                ('outcome', fields.CharField(max_length=16)),
                ('actor_kind', fields.CharField(null=True, max_length=16)),
                ('actor_id', fields.UUIDField(null=True)),
                ('subject_kind', fields.CharField(null=True, max_length=16)),
                ('subject_id', fields.UUIDField(null=True, db_index=True)),
                ('client_address', fields.CharField(null=True, max_length=64)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'audit_event', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Credential',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('subject_kind', fields.CharField(max_length=16)),
                ('subject_id', fields.UUIDField(db_index=True)),
                ('kind', fields.CharEnumField(description='PASSWORD: PASSWORD', enum_type=CredentialKind, max_length=16)),
                ('secret_hash', fields.CharField(max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'credential', 'app': 'uidp', 'unique_together': (('subject_kind', 'subject_id', 'kind'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Person',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('status', fields.CharEnumField(description='PROVISIONED: PROVISIONED\nPENDING_REVIEW: PENDING_REVIEW\nACTIVE: ACTIVE\nREJECTED: REJECTED', enum_type=PersonStatus, max_length=20)),
                ('source', fields.CharEnumField(description='REGISTERED: REGISTERED\nIMPORTED: IMPORTED', enum_type=PersonSource, max_length=12)),
                ('certificate_type', fields.CharField(max_length=32)),
                ('certificate_index', fields.CharField(unique=True, max_length=64)),
                ('certificate_number_enc', fields.TextField(unique=False)),
                ('name_enc', fields.TextField(unique=False)),
                ('phone_index', fields.CharField(unique=True, max_length=64)),
                ('phone_enc', fields.TextField(unique=False)),
                ('gender', fields.CharField(null=True, max_length=8)),
                ('birth_date_enc', fields.TextField(null=True, unique=False)),
                ('valid_from', fields.DateField(null=True)),
                ('validity_period', fields.CharField(null=True, max_length=16)),
                ('level', fields.SmallIntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('activated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'person', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Session',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('subject_kind', fields.CharField(max_length=16)),
                ('subject_id', fields.UUIDField(db_index=True)),
                ('login_method', fields.CharField(max_length=32)),
                ('client_address', fields.CharField(max_length=64)),
                ('user_agent', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_reason', fields.CharField(null=True, max_length=32)),
            ],
            options={'table': 'session', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffAccount',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=64)),
                ('display_name', fields.CharField(max_length=64)),
                ('roles', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_account', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Upload',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='CERTIFICATE_FRONT: CERTIFICATE_FRONT\nCERTIFICATE_BACK: CERTIFICATE_BACK\nSUPPORTING: SUPPORTING', enum_type=DocumentKind, max_length=20)),
                ('content_type', fields.CharField(max_length=64)),
                ('size', fields.IntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('content_enc', fields.BinaryField()),
                ('owner_kind', fields.CharField(null=True, max_length=16)),
                ('owner_id', fields.UUIDField(null=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'upload', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
