from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from uidp.models.notice import NoticeKind
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('uidp', '0005_login_identifiers')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AccountNotice',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('subject_kind', fields.CharField(max_length=16)),
                ('subject_id', fields.UUIDField(db_index=True)),
                ('kind', fields.CharEnumField(description='PHONE_MOVED_BY_APPEAL: PHONE_MOVED_BY_APPEAL', enum_type=NoticeKind, max_length=32)),
                ('details', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('acknowledged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'account_notice', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
