from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from uidp.domain.delegation import ApplicationStatus, GrantState
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('uidp', '0008_session_actor')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DelegationCandidate',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('entity_id', fields.UUIDField(db_index=True)),
                ('person_id', fields.UUIDField(db_index=True)),
                ('name_index', fields.CharField(db_index=True, max_length=64)),
                ('added_by_kind', fields.CharField(max_length=16)),
                ('added_by_id', fields.UUIDField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'delegation_candidate', 'app': 'uidp', 'unique_together': (('entity_id', 'person_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Grant',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('entity_id', fields.UUIDField(db_index=True)),
                ('parent_id', fields.UUIDField(null=True, db_index=True)),
                ('root_id', fields.UUIDField(db_index=True)),
                ('depth', fields.SmallIntField()),
                ('grantor_id', fields.UUIDField()),
                ('grantee_id', fields.UUIDField(db_index=True)),
                ('scope', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('may_grant_onward', fields.BooleanField(default=False)),
                ('may_manage_candidates', fields.BooleanField(default=False)),
                ('state', fields.CharEnumField(default=GrantState.ACTIVE, db_index=True, description='ACTIVE: ACTIVE\nCANCELLED: CANCELLED\nEXPIRED: EXPIRED', enum_type=GrantState, max_length=12)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('end_reason', fields.CharField(null=True, max_length=32)),
                ('application_id', fields.UUIDField(null=True, unique=True)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'delegation_grant', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GrantApplication',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('entity_id', fields.UUIDField(db_index=True)),
                ('applicant_id', fields.UUIDField(db_index=True)),
                ('scope', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reason', fields.CharField(max_length=200)),
                ('status', fields.CharEnumField(default=ApplicationStatus.PENDING, description='PENDING: PENDING\nAPPROVED: APPROVED\nREJECTED: REJECTED', enum_type=ApplicationStatus, max_length=12)),
                ('pending_key', fields.CharField(null=True, unique=True, max_length=80)),
                ('decided_by_kind', fields.CharField(null=True, max_length=16)),
                ('decided_by_id', fields.UUIDField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_reason', fields.CharField(null=True, max_length=200)),
                ('grant_id', fields.UUIDField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'delegation_application', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GrantRecord',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('grant_id', fields.UUIDField(db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('action', fields.CharField(max_length=24)),
                ('actor_kind', fields.CharField(null=True, max_length=16)),
                ('actor_id', fields.UUIDField(null=True)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'delegation_grant_record', 'app': 'uidp', 'pk_attr': 'id', 'table_description': "One line of a grant's history: made, changed, cancelled, expired or ended by the cascade."},
            bases=['Model'],
        ),
    ]
