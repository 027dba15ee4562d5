from tortoise import migrations
from tortoise.migrations import operations as ops
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('uidp', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ExternalBinding',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('provider', fields.CharField(max_length=32)),
                ('subject_index', fields.CharField(max_length=64)),
                ('subject_kind', fields.CharField(max_length=16)),
                ('subject_id', fields.UUIDField(db_index=True)),
                ('display_enc', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'external_binding', 'app': 'uidp', 'unique_together': (('provider', 'subject_index'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
