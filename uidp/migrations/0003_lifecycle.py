from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from uidp.domain.bank_cards import BankCheckStatus
from uidp.models.review import CaseKind, CaseStatus
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('uidp', '0002_external_binding')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BankCheck',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('person_id', fields.UUIDField(db_index=True)),
                ('status', fields.CharEnumField(description='PENDING: PENDING\nMATCHED: MATCHED\nFAILED: FAILED', enum_type=BankCheckStatus, max_length=12)),
                ('reason', fields.CharField(null=True, max_length=32)),
                ('masked_card', fields.CharField(max_length=32)),
                ('card_number_enc', fields.TextField(unique=False)),
                ('provider', fields.CharField(max_length=64)),
                ('provider_reference', fields.CharField(null=True, max_length=128)),
                ('pending_key', fields.CharField(null=True, unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'bank_check', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReviewCase',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='MANUAL_REGISTRATION: MANUAL_REGISTRATION\nPHONE_APPEAL: PHONE_APPEAL\nCERTIFICATE_APPEAL: CERTIFICATE_APPEAL', enum_type=CaseKind, max_length=24)),
                ('status', fields.CharEnumField(default=CaseStatus.PENDING, description='PENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED', enum_type=CaseStatus, max_length=12)),
                ('person_id', fields.UUIDField(null=True, db_index=True)),
                ('pending_key', fields.CharField(null=True, unique=True, max_length=64)),
                ('submitted_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by', fields.UUIDField(null=True)),
                ('decision_reason', fields.CharField(null=True, max_length=500)),
                ('notify_phone_enc', fields.TextField(unique=False)),
                ('details_enc', fields.TextField(unique=False)),
                ('summary', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'review_case', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ServiceItem',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=100)),
                ('delegable', fields.BooleanField(default=True)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'service_item', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffApiToken',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('staff_id', fields.UUIDField(db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('scopes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_by', fields.UUIDField(null=True)),
            ],
            options={'table': 'staff_api_token', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StaffTotp',
            fields=[
                ('staff_id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('secret_enc', fields.TextField(unique=False)),
                ('last_step', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_totp', 'app': 'uidp', 'pk_attr': 'staff_id', 'table_description': 'The TOTP shared secret, sealed with the PII cipher, and the last step used (a code works once).'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Person',
            name='phone_enc',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AlterField(
            model_name='Person',
            name='phone_index',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
    ]
