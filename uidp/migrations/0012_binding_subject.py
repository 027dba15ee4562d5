from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('uidp', '0011_oidc_events')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ExternalBinding',
            name='subject_enc',
            field=fields.TextField(null=True, unique=False),
        ),
    ]
