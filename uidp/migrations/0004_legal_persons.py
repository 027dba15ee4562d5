from tortoise import migrations
from tortoise.migrations import operations as ops
from uidp.models.entity import EntityStatus, EntityType
from uidp.models.review import CaseKind
from uidp.models.upload import DocumentKind
from uuid import uuid4
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('uidp', '0003_lifecycle')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CertificateBinding',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('subject_kind', fields.CharField(max_length=16)),
                ('subject_id', fields.UUIDField(db_index=True)),
                ('fingerprint', fields.CharField(unique=True, max_length=64)),
                ('subject_dn_enc', fields.TextField(unique=False)),
                ('serial', fields.CharField(max_length=64)),
                ('not_after', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ca_binding', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Entity',
            fields=[
                ('id', fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                ('status', fields.CharEnumField(default=EntityStatus.ACTIVE, description='ACTIVE: ACTIVE', enum_type=EntityStatus, max_length=12)),
                ('entity_type', fields.CharEnumField(description='ENTERPRISE: ENTERPRISE\nINDIVIDUAL_BUSINESS: INDIVIDUAL_BUSINESS\nPUBLIC_INSTITUTION: PUBLIC_INSTITUTION\nSOCIAL_ORGANISATION: SOCIAL_ORGANISATION\nGOVERNMENT_ORGAN: GOVERNMENT_ORGAN\nOTHER: OTHER', enum_type=EntityType, max_length=24)),
                ('credit_code_index', fields.CharField(unique=True, max_length=64)),
                ('credit_code_enc', fields.TextField(unique=False)),
                ('name_enc', fields.TextField(unique=False)),
                ('representative_id', fields.UUIDField(db_index=True)),
                ('contact_name_enc', fields.TextField(unique=False)),
                ('contact_certificate_number_enc', fields.TextField(unique=False)),
                ('contact_phone_enc', fields.TextField(unique=False)),
                ('contact_phone_index', fields.CharField(db_index=True, max_length=64)),
                ('level', fields.SmallIntField(default=2)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'entity', 'app': 'uidp', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='ReviewCase',
            name='kind',
            field=fields.CharEnumField(description='MANUAL_REGISTRATION: MANUAL_REGISTRATION\nPHONE_APPEAL: PHONE_APPEAL\nCERTIFICATE_APPEAL: CERTIFICATE_APPEAL\nENTITY_APPEAL: ENTITY_APPEAL', enum_type=CaseKind, max_length=24),
        ),
        ops.AlterField(
            model_name='Upload',
            name='kind',
            field=fields.CharEnumField(description='CERTIFICATE_FRONT: CERTIFICATE_FRONT\nCERTIFICATE_BACK: CERTIFICATE_BACK\nSUPPORTING: SUPPORTING\nBUSINESS_LICENCE: BUSINESS_LICENCE\nAUTHORISATION_LETTER: AUTHORISATION_LETTER', enum_type=DocumentKind, max_length=20),
        ),
    ]
