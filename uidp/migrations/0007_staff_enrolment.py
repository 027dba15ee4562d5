from tortoise import migrations
from tortoise.migrations import operations as ops
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('uidp', '0006_persons_security')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StaffEnrolment',
            fields=[
                ('staff_id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('purpose', fields.CharField(max_length=16)),
                ('code_hash', fields.CharField(max_length=64)),
                ('code_expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('token_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('token_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('secret_enc', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'staff_enrolment', 'app': 'uidp', 'pk_attr': 'staff_id', 'table_description': "A staff member's open enrolment: a single-use setup code, then (once started) a pending TOTP secret."},
            bases=['Model'],
        ),
    ]
