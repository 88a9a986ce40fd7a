# 考核申诉 / 核减: the exemption requests and the ticket's exempt flag (generated).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        ('tickets', '0011_search_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='ticket',
            name='exempt',
            field=models.BooleanField(default=False, verbose_name='已核减'),
        ),
        migrations.AlterField(
            model_name='ticketevent',
            name='type',
            field=models.CharField(choices=[('register', '登记'), ('suggest', '智能推荐'), ('dispatch', '派单'), ('direct_answer', '直办答复'), ('reassign', '改派'), ('request_return', '申请退单'), ('approve_return', '同意退单'), ('reject_return', '驳回退单'), ('sub_dispatch', '下派'), ('submit_part', '协办反馈'), ('accept', '签收'), ('record_contact', '联系诉求人'), ('request_extension', '申请延期'), ('approve_extension', '批准延期'), ('reject_extension', '驳回延期'), ('reply', '答复'), ('review_pass', '审核通过'), ('review_reject', '审核退回'), ('callback', '回访'), ('rate_online', '网上评价'), ('reopen', '重办'), ('merge', '合并'), ('close_with_master', '随主工单办结'), ('invalidate', '作废'), ('request_exemption', '考核申诉'), ('approve_exemption', '核减通过'), ('reject_exemption', '申诉驳回'), ('urge', '催办'), ('supervise', '督办'), ('assign_leader', '领导包案'), ('escalate', '提级'), ('reveal_caller', '查看来电人信息'), ('attach', '上传附件'), ('attach_public', '群众上传照片'), ('breach', '超时')], max_length=32),
        ),
        migrations.CreateModel(
            name='TicketExemption',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason_kind', models.CharField(choices=[('unreasonable', '诉求不合理'), ('out_of_scope', '不属于本单位职责'), ('refuses_solution', '诉求人拒不接受合理解决方案'), ('other', '其他')], max_length=20, verbose_name='申诉理由')),
                ('reason', models.CharField(max_length=500, verbose_name='情况说明')),
                ('status', models.CharField(choices=[('pending', '待审核'), ('approved', '已核减'), ('rejected', '已驳回')], default='pending', max_length=10, verbose_name='状态')),
                ('requested_at', models.DateTimeField(verbose_name='申诉时间')),
                ('ruled_at', models.DateTimeField(blank=True, null=True, verbose_name='审核时间')),
                ('ruling_note', models.CharField(blank=True, max_length=500, verbose_name='审核意见')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('ruled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exemptions', to='tickets.ticket')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='申诉单位')),
            ],
            options={
                'verbose_name': '考核申诉',
                'verbose_name_plural': '考核申诉',
                'indexes': [models.Index(fields=['status', 'requested_at'], name='exemption_queue')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('ticket',), name='one_pending_exemption_per_ticket')],
            },
        ),
    ]
