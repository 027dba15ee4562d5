from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('uidp', '0007_staff_enrolment')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Session',
            name='actor_id',
            field=fields.UUIDField(null=True, db_index=True),
        ),
        ops.AddField(
            model_name='Session',
            name='actor_role',
            field=fields.CharField(null=True, max_length=24),
        ),
        ops.AddField(
            model_name='Session',
            name='grant_id',
            field=fields.UUIDField(null=True, db_index=True),
        ),
    ]
